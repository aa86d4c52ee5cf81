import { createRouter } from '../../http/app-env';
import * as handlers from './organizations.handlers';
import * as routes from './organizations.routes';

export const organizationsRouter = createRouter()
  .openapi(routes.createOrganization, handlers.createOrganization)
  .openapi(routes.listOrganizations, handlers.listOrganizations)
  .openapi(routes.acceptInvitation, handlers.acceptInvitation)
  .openapi(routes.getOrganization, handlers.getOrganization)
  .openapi(routes.updateOrganization, handlers.updateOrganization)
  .openapi(routes.deleteOrganization, handlers.deleteOrganization)
  .openapi(routes.dashboard, handlers.dashboard)
  .openapi(routes.addMember, handlers.addMember)
  .openapi(routes.listMembers, handlers.listMembers)
  .openapi(routes.changeRole, handlers.changeRole)
  .openapi(routes.removeMember, handlers.removeMember)
  .openapi(routes.listInvitations, handlers.listInvitations)
  .openapi(routes.revokeInvitation, handlers.revokeInvitation);
