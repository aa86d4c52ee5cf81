import { createRouter } from '../../http/app-env';
import * as accessHandlers from './access.handlers';
import * as access from './access.routes';
import * as accountHandlers from './account.handlers';
import * as account from './account.routes';
import * as profileHandlers from './profile.handlers';
import * as profile from './profile.routes';
import * as recoveryHandlers from './recovery.handlers';
import * as recovery from './recovery.routes';
import * as sessionsHandlers from './sessions.handlers';
import * as sessions from './sessions.routes';
import * as tokensHandlers from './tokens.handlers';
import * as tokens from './tokens.routes';

/**
 * Everything under /auth, one file pair per concern: tokens (register, login, refresh, logout,
 * verify), profile (me, profile), access (what other services ask: validate, authorize,
 * permissions, roles, context), account (delete, change password), sessions, recovery (forgot,
 * reset, verify email, resend).
 */
export const authRouter = createRouter()
  .openapi(tokens.register, tokensHandlers.register)
  .openapi(tokens.login, tokensHandlers.login)
  .openapi(tokens.refresh, tokensHandlers.refresh)
  .openapi(tokens.logout, tokensHandlers.logout)
  .openapi(tokens.verify, tokensHandlers.verify)
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
  .openapi(recovery.resendVerification, recoveryHandlers.resendVerification);
