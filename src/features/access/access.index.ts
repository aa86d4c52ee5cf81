import { createRouter } from '../../http/app-env';
import * as handlers from './access.handlers';
import * as routes from './access.routes';

export const accessRouter = createRouter()
  .openapi(routes.validate, handlers.validate)
  .openapi(routes.authorize, handlers.authorize)
  .openapi(routes.permissions, handlers.permissions)
  .openapi(routes.roles, handlers.roles)
  .openapi(routes.context, handlers.context);
