import { createRouter } from '../../types';
import * as handlers from './account.handlers';
import * as routes from './account.routes';

export const accountRouter = createRouter()
  .openapi(routes.deleteUser, handlers.deleteUser)
  .openapi(routes.changePassword, handlers.changePassword);
