import { createRouter } from '../../http/app-env';
import * as handlers from './oauth.handlers';
import { oauthError } from './oauth-errors';
import * as routes from './oauth.routes';

/**
 * The identity provider's OAuth endpoints (/oauth/authorize is a hosted page: routes/pages).
 * Their errors are RFC 6749 bodies, not the API's usual shape (oauth-errors.ts).
 */
export const oauthRouter = createRouter()
  .openapi(routes.token, handlers.token)
  .openapi(routes.userinfo, handlers.userinfo)
  .openapi(routes.userinfoPost, handlers.userinfoPost)
  .openapi(routes.revoke, handlers.revoke)
  .openapi(routes.introspect, handlers.introspect)
  .openapi(routes.register, handlers.register, handlers.registrationHook);

oauthRouter.onError(oauthError);
// Documented here, served by the hosted pages (routes/pages/oauth-authorize.tsx).
oauthRouter.openAPIRegistry.registerPath(routes.authorizeDoc);
