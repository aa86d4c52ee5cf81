import { createRouter } from '../../http/app-env';
import * as handlers from './discovery.handlers';
import * as routes from './discovery.routes';

/** The identity provider's discovery documents (the JWKS is the system group's). */
export const wellKnownRouter = createRouter()
  .openapi(routes.openIdConfiguration, handlers.openIdConfiguration)
  .openapi(routes.authorizationServer, handlers.authorizationServer)
  .openapi(routes.protectedResource, handlers.protectedResource);
