import { createRouter } from '../../http/app-env';
import * as handlers from './users.handlers';
import * as routes from './users.routes';

export const usersRouter = createRouter()
  .openapi(routes.createUser, handlers.createUser)
  .openapi(routes.dashboard, handlers.dashboard)
  .openapi(routes.preferences, handlers.preferences)
  .openapi(routes.activity, handlers.activity);
