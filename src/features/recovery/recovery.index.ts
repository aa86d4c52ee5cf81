import { createRouter } from '../../http/app-env';
import * as handlers from './recovery.handlers';
import * as routes from './recovery.routes';

export const recoveryRouter = createRouter()
  .openapi(routes.forgotPassword, handlers.forgotPassword)
  .openapi(routes.resetPassword, handlers.resetPassword)
  .openapi(routes.verifyEmail, handlers.verifyEmail)
  .openapi(routes.resendVerification, handlers.resendVerification);
