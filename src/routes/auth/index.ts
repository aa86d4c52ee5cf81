import { createRouter } from '../../http/app-env';
import * as accessHandlers from './access.handlers';
import * as access from './access.routes';
import * as accountHandlers from './account.handlers';
import * as consentsHandlers from './consents.handlers';
import * as consents from './consents.routes';
import * as emailSignInHandlers from './email-sign-in.handlers';
import * as emailSignIn from './email-sign-in.routes';
import * as account from './account.routes';
import * as oauthHandlers from './oauth.handlers';
import * as oauth from './oauth.routes';
import * as passkeyHandlers from './passkey.handlers';
import * as passkey from './passkey.routes';
import * as profileHandlers from './profile.handlers';
import * as profile from './profile.routes';
import * as recoveryHandlers from './recovery.handlers';
import * as recovery from './recovery.routes';
import * as sessionsHandlers from './sessions.handlers';
import * as sessions from './sessions.routes';
import * as signInHandlers from './sign-in.handlers';
import * as signIn from './sign-in.routes';

/**
 * Everything under /auth, one file pair per concern: account (register, delete, change
 * password), sign-in (login, refresh, logout, verify), profile (me, profile), access (what other
 * services ask: validate, authorize, permissions, roles, context), sessions, recovery (forgot,
 * reset, verify email, resend), email sign-in (start, verify; its confirm page is a hosted page).
 */
export const authRouter = createRouter()
  .openapi(account.register, accountHandlers.register)
  .openapi(signIn.login, signInHandlers.login)
  .openapi(signIn.refresh, signInHandlers.refresh)
  .openapi(signIn.logout, signInHandlers.logout)
  .openapi(signIn.verify, signInHandlers.verify)
  .openapi(passkey.passkeyOptions, passkeyHandlers.passkeyOptions)
  .openapi(passkey.passkeyVerify, passkeyHandlers.passkeyVerify)
  .openapi(profile.me, profileHandlers.me)
  .openapi(profile.getProfile, profileHandlers.getProfile)
  .openapi(profile.updateProfile, profileHandlers.updateProfile)
  .openapi(access.validate, accessHandlers.validate)
  .openapi(access.authorize, accessHandlers.authorize)
  .openapi(access.permissions, accessHandlers.permissions)
  .openapi(access.roles, accessHandlers.roles)
  .openapi(access.context, accessHandlers.context)
  .openapi(access.recordActivity, accessHandlers.recordActivity)
  .openapi(account.deleteUser, accountHandlers.deleteUser)
  .openapi(account.changePassword, accountHandlers.changePassword)
  .openapi(sessions.listSessions, sessionsHandlers.listSessions)
  .openapi(sessions.revokeSession, sessionsHandlers.revokeSession)
  .openapi(sessions.currentSession, sessionsHandlers.currentSession)
  .openapi(recovery.forgotPassword, recoveryHandlers.forgotPassword)
  .openapi(recovery.resetPassword, recoveryHandlers.resetPassword)
  .openapi(recovery.verifyEmail, recoveryHandlers.verifyEmail)
  .openapi(recovery.resendVerification, recoveryHandlers.resendVerification)
  .openapi(emailSignIn.emailStart, emailSignInHandlers.emailStart)
  .openapi(emailSignIn.emailVerify, emailSignInHandlers.emailVerify)
  .openapi(consents.listConsents, consentsHandlers.listConsents)
  .openapi(consents.withdrawConsent, consentsHandlers.withdrawConsent)
  .openapi(oauth.oauthProviders, oauthHandlers.oauthProviders)
  .openapi(oauth.oauthAuthorize, oauthHandlers.oauthAuthorize)
  .openapi(oauth.oauthCallback, oauthHandlers.oauthCallback)
  .openapi(oauth.oauthCallbackPost, oauthHandlers.oauthCallbackPost)
  .openapi(oauth.oauthExchange, oauthHandlers.oauthExchange)
  .openapi(oauth.listIdentities, oauthHandlers.listIdentities)
  .openapi(oauth.linkIdentity, oauthHandlers.linkIdentity)
  .openapi(oauth.unlinkIdentity, oauthHandlers.unlinkIdentity);
