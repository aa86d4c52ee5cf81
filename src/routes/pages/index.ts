import { Hono } from 'hono';
import type { AppEnv } from '../../http/app-env';
import { limitByIp } from '../../http/middleware/rate-limit';
import * as account from './pages.account';
import { emailConfirmPage, emailConfirmPost } from './email-sign-in';
import * as credentials from './pages.credentials';
import * as h from './pages.handlers';
import * as invitation from './pages.invitation';
import * as federated from './pages.federated';
import * as passkey from './pages.passkey';
import { authorizePage, consentPost } from './oauth-authorize';
import { pageError } from './pages.shared';

export { isPagePath, pageHeaders } from './pages.security';

/**
 * The hosted pages (HTML, form posts; not in the OpenAPI document): sign-in with its second
 * step, registration, forgotten and reset password, email confirmation, accepting an invitation, the account page's passkeys. They call the domain
 * as the JSON routes do, with the same per-IP limits, and set the refresh cookie on sign-in.
 */
export const pagesRouter = new Hono<AppEnv>()
  .get('/login', passkey.loginPage)
  .post('/login', limitByIp('login'), h.loginPost)
  .post('/login/mfa', limitByIp('login'), h.mfaPost)
  .post('/login/mfa/send', limitByIp('login'), h.mfaSendPost)
  .post('/login/passkey', limitByIp('login'), passkey.loginPasskeyPost)
  .get('/login/federated/start', limitByIp('login'), federated.federatedStart)
  .get('/login/federated', limitByIp('login'), federated.federatedReturn)
  .get('/register', credentials.registerPage)
  .post('/register', limitByIp('register'), credentials.registerPost)
  .get('/forgot-password', credentials.forgotPage)
  .post('/forgot-password', limitByIp('forgot_password'), credentials.forgotPost)
  .get('/reset-password', credentials.resetPage)
  .post('/reset-password', credentials.resetPost)
  .get('/verify-email', credentials.verifyEmailPage)
  .post('/verify-email', credentials.verifyEmailPost)
  .get('/accept-invitation', invitation.acceptInvitationPage)
  .post('/accept-invitation', invitation.acceptInvitationPost)
  .get('/auth/email/confirm', emailConfirmPage)
  .post('/auth/email/confirm', limitByIp('login'), emailConfirmPost)
  .get('/account', account.accountPage)
  .post('/account/passkeys/options', limitByIp('login'), account.accountOptionsPost)
  .post('/account/passkeys', account.accountAddPost)
  .post('/account/passkeys/remove', limitByIp('login'), account.accountRemovePost)
  .get('/oauth/authorize', authorizePage)
  .post('/oauth/authorize', consentPost)
  .onError(pageError);
