import { createRouter } from '../../http/app-env';
import * as handlers from './admin.handlers';
import * as routes from './admin.routes';

export const adminRouter = createRouter()
  .openapi(routes.listRoles, handlers.listRoles)
  .openapi(routes.createRole, handlers.createRole)
  .openapi(routes.grantPermission, handlers.grantPermission)
  .openapi(routes.revokePermission, handlers.revokePermission)
  .openapi(routes.assignRole, handlers.assignRole)
  .openapi(routes.removeRole, handlers.removeRole)
  .openapi(routes.setStatus, handlers.setStatus)
  .openapi(routes.resetMfa, handlers.resetMfa)
  .openapi(routes.impersonate, handlers.impersonate);
