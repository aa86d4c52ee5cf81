import { createRouter } from '../../http/app-env';
import * as handlers from './system.handlers';
import * as routes from './system.routes';

export const systemRouter = createRouter()
  .openapi(routes.root, handlers.root)
  .openapi(routes.health, handlers.health)
  .openapi(routes.ready, handlers.ready)
  .openapi(routes.jwks, handlers.jwks);
