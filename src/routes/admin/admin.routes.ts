import { createRoute } from '@hono/zod-openapi';
import { RolesSchema } from '../../http/schemas';
import { errorResponses } from '../../http/openapi';
import { bearerAuth, jsonBody, jsonResponse, noContent, serviceAuth } from '../../http/openapi';
import { UserIdParamSchema } from '../../http/params';
import { requireAuth } from '../../http/middleware/require-auth';
import { requireAdmin, requireAdminOrService } from '../../http/middleware/require-service';
import {
  AssignRoleSchema,
  CreateRoleSchema,
  GrantSchema,
  ImpersonationSchema,
  RoleListSchema,
  RoleParamSchema,
  RolePermissionParamSchema,
  RoleSchema,
  StatusSchema,
  UserStatusSchema,
} from './admin.schemas';

const admin = { tags: ['Admin'], security: bearerAuth, middleware: [requireAdmin] };

export const listRoles = createRoute({
  ...admin,
  method: 'get',
  path: '/admin/roles',
  operationId: 'listRoles',
  summary: 'List global roles with their permissions',
  description: 'Every global role with the permissions granted to it. Admins only.',
  responses: { 200: jsonResponse(RoleListSchema, 'Roles'), ...errorResponses(401, 403, 503) },
});

export const createRole = createRoute({
  ...admin,
  method: 'post',
  path: '/admin/roles',
  operationId: 'createRole',
  summary: 'Create a role',
  description:
    'A new global role with the permissions given (none by default; more with POST /admin/roles/{role}/permissions). A taken name answers 409 CONFLICT. Admins only.',
  request: { body: jsonBody(CreateRoleSchema) },
  responses: {
    201: jsonResponse(RoleSchema, 'Created'),
    ...errorResponses(400, 401, 403, 409, 413, 415, 422, 503),
  },
});

export const grantPermission = createRoute({
  ...admin,
  method: 'post',
  path: '/admin/roles/{role}/permissions',
  operationId: 'grantPermission',
  summary: 'Grant a permission to a role',
  description:
    'Adds a resource:action permission (wildcards allowed) to the role; granting one it already has changes nothing. Takes effect at once for /auth/authorize. Admins only.',
  request: { params: RoleParamSchema, body: jsonBody(GrantSchema) },
  responses: {
    200: jsonResponse(RoleSchema, 'The role after the grant'),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503),
  },
});

export const revokePermission = createRoute({
  ...admin,
  method: 'delete',
  path: '/admin/roles/{role}/permissions/{permission}',
  operationId: 'revokePermission',
  summary: 'Revoke a permission from a role',
  description:
    'Removes the permission from the role (a permission it does not have changes nothing); an unknown role answers 404. Takes effect at once for /auth/authorize. Admins only.',
  request: { params: RolePermissionParamSchema },
  responses: {
    200: jsonResponse(RoleSchema, 'The role after the revocation'),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503),
  },
});

export const assignRole = createRoute({
  ...admin,
  method: 'post',
  path: '/admin/users/{user_id}/roles',
  operationId: 'assignRole',
  summary: "Add a role to a user's global roles",
  description:
    'Takes effect at once for /auth/authorize and /auth/validate; access tokens carry the new roles from the next refresh.',
  request: { params: UserIdParamSchema, body: jsonBody(AssignRoleSchema) },
  responses: {
    200: jsonResponse(RolesSchema, 'The user roles after the change'),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503),
  },
});

export const removeRole = createRoute({
  ...admin,
  method: 'delete',
  path: '/admin/users/{user_id}/roles/{role}',
  operationId: 'removeRole',
  summary: 'Remove a role from a user',
  description:
    'Takes the role away from the user, effective immediately; a role the user does not have changes nothing. An unknown user or role answers 404, and an admin removing their own admin role 409 CONFLICT. Admins only.',
  request: { params: UserIdParamSchema.extend(RoleParamSchema.shape) },
  responses: {
    200: jsonResponse(RolesSchema, 'The user roles after the change'),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 503),
  },
});

export const setStatus = createRoute({
  ...admin,
  method: 'patch',
  path: '/admin/users/{user_id}',
  operationId: 'setUserStatus',
  summary: 'Suspend or reactivate a user',
  description:
    'Suspension ends every session of the user at once; a suspended user cannot log in (403 ACCOUNT_SUSPENDED).',
  request: { params: UserIdParamSchema, body: jsonBody(StatusSchema) },
  responses: {
    200: jsonResponse(UserStatusSchema, 'New status'),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 503),
  },
});

export const resetMfa = createRoute({
  tags: ['Admin'],
  security: [...bearerAuth, ...serviceAuth],
  middleware: [requireAdminOrService],
  method: 'delete',
  path: '/admin/users/{user_id}/mfa',
  operationId: 'resetUserMfa',
  summary: 'Switch a user’s multi-factor authentication off',
  description:
    'For a user who lost every factor: an admin (bearer) or a service (X-API-Key with the scope mfa:reset) removes all their MFA methods and backup codes and ends every session (pending logins too). Audited as `mfa_reset` with who did it. The user signs in with the password alone afterwards and can enrol again. The factors of an account holding a global admin role: never by a service (403); an admin must have signed in with a second factor within the last 5 minutes (401 INVALID_CREDENTIALS otherwise).',
  request: { params: UserIdParamSchema },
  responses: {
    204: noContent('MFA is off and every session ended'),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503),
  },
});

export const impersonate = createRoute({
  tags: ['Admin'],
  security: bearerAuth,
  middleware: [requireAuth],
  method: 'post',
  path: '/admin/users/{user_id}/impersonate',
  operationId: 'impersonateUser',
  summary: 'Start a session as another user (impersonation)',
  description:
    'Needs the permission users:admin. A session of the user whose access tokens carry `act: {sub: <admin id>}` (RFC 8693), ending within an hour (refreshing does not extend it); listed in the user’s sessions with `impersonated_by`; POST /auth/logout ends it. Never for an account that may open the console (403), nor a suspended one (403 ACCOUNT_SUSPENDED). Audited as `impersonation_started` on both accounts. The session cannot change the password, add or remove factors or passkeys, or delete the account (403).',
  request: { params: UserIdParamSchema },
  responses: {
    201: jsonResponse(ImpersonationSchema, 'The impersonation session’s tokens'),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503),
  },
});
