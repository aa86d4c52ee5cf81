import { createRouter } from '../../http/app-env';
import * as handlers from './passkeys.handlers';
import * as routes from './passkeys.routes';

/** /passkeys: a signed-in user's passkeys (api.md "Passkeys"); sign-in is /auth/passkey. */
export const passkeysRouter = createRouter()
  .openapi(routes.registerOptions, handlers.registerOptions)
  .openapi(routes.registerVerify, handlers.registerVerify)
  .openapi(routes.listPasskeys, handlers.listPasskeys)
  .openapi(routes.renamePasskey, handlers.renamePasskey)
  .openapi(routes.removePasskey, handlers.removePasskey);
