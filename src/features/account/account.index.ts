import { createRouter } from '../../http/app-env';
import * as handlers from './account.handlers';
import * as routes from './account.routes';

export const accountRouter = createRouter()
  .openapi(routes.deleteUser, handlers.deleteUser)
  .openapi(routes.changePassword, handlers.changePassword);
