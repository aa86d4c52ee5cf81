import { createRouter } from '../../http/app-env';
import * as handlers from './mfa.handlers';
import * as routes from './mfa.routes';

export const mfaRouter = createRouter()
  .openapi(routes.setup, handlers.setup)
  .openapi(routes.challenge, handlers.challenge)
  .openapi(routes.verify, handlers.verify)
  .openapi(routes.listMethods, handlers.listMethods)
  .openapi(routes.removeMethod, handlers.removeMethod)
  .openapi(routes.regenerateBackupCodes, handlers.regenerateBackupCodes);
