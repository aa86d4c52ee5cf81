import { createRoute } from '@hono/zod-openapi';
import { errorResponses } from '../../http/openapi';
import { bearerAuth, jsonBody, jsonResponse, serviceAuth } from '../../http/openapi';
import { UserIdParamSchema } from '../../http/params';
import { requireService, requireUserOrService } from '../../http/middleware/require-service';
import { AuthorizeSchema, RolesSchema, ValidateSchema } from '../../http/schemas';
import {
  ActivityAcceptedSchema,
  ActivityBody,
  DecisionSchema,
  PermissionsSchema,
  UserContextSchema,
  ValidationSchema,
} from './access.schemas';

const tags = ['Service access'];

export const validate = createRoute({
  method: 'post',
  path: '/auth/validate',
  operationId: 'validateToken',
  tags,
  summary: 'Introspect an access token (service, scope tokens:validate)',
  description:
    'Checks signature, claims and that the session is live, and returns current roles and permissions. When the session store or database cannot be reached the answer is 503, never valid.',
  security: serviceAuth,
  middleware: [requireService],
  request: { body: jsonBody(ValidateSchema) },
  responses: {
    200: jsonResponse(ValidationSchema, 'The verdict'),
    ...errorResponses(400, 401, 403, 413, 415, 422, 503),
  },
});

export const authorize = createRoute({
  method: 'post',
  path: '/auth/authorize',
  operationId: 'authorize',
  tags,
  summary: 'Decide whether a user may do an action on a resource',
  description:
    'Services (scope permissions:read) name the user; a signed-in user asks for themself (admins for anyone). Roles are read from the database at decision time, not from the token. Fails closed: 503 when the decision cannot be made.',
  security: [...serviceAuth, ...bearerAuth],
  middleware: [requireUserOrService],
  request: { body: jsonBody(AuthorizeSchema) },
  responses: {
    200: jsonResponse(DecisionSchema, 'The decision'),
    ...errorResponses(400, 401, 403, 413, 415, 422, 503),
  },
});

const perUser = {
  tags,
  security: [...serviceAuth, ...bearerAuth],
  middleware: [requireUserOrService],
  request: { params: UserIdParamSchema },
};

export const permissions = createRoute({
  ...perUser,
  method: 'get',
  path: '/auth/permissions/{user_id}',
  operationId: 'getUserPermissions',
  summary: "A user's roles and permissions (self, admin or service with permissions:read)",
  description:
    'Global roles, the permissions they grant, and each organization membership with its permissions. A user may read their own; admins and services anyone.',
  responses: {
    200: jsonResponse(PermissionsSchema, 'Grants'),
    ...errorResponses(401, 403, 404, 422, 503),
  },
});

export const roles = createRoute({
  ...perUser,
  method: 'get',
  path: '/auth/roles/{user_id}',
  operationId: 'getUserRoles',
  summary: "A user's global roles (self, admin or service with users:read)",
  description: 'The global role names only. A user may read their own; admins and services anyone.',
  responses: {
    200: jsonResponse(RolesSchema, 'Roles'),
    ...errorResponses(401, 403, 404, 422, 503),
  },
});

export const context = createRoute({
  ...perUser,
  method: 'get',
  path: '/auth/users/{user_id}/context',
  operationId: 'getUserContext',
  summary: 'Everything a service needs about a user (service with users:read, or admin)',
  description:
    "The user, their organizations, roles and permissions in one call, for services that act on a user's behalf. Services and admins only; a user asking for themself gets 403.",
  responses: {
    200: jsonResponse(UserContextSchema, 'User context'),
    ...errorResponses(401, 403, 404, 422, 503),
  },
});

export const recordActivity = createRoute({
  tags,
  security: serviceAuth,
  middleware: [requireService],
  method: 'post',
  path: '/auth/users/{user_id}/activity',
  operationId: 'recordUserActivity',
  summary: 'Record what a user did in a service (service, scope analytics:write)',
  description:
    'Answers 202 once the activity is on the analytics queue; within seconds it shows in the user’s GET /users/{user_id}/activity (action `service_activity`, with the service, action, resource and metadata) and counts in their usage as event type `activity`. Counts toward the caller’s RATE_LIMIT_ANALYTICS (429). 404 for an unknown user.',
  request: { params: UserIdParamSchema, body: jsonBody(ActivityBody) },
  responses: {
    202: jsonResponse(ActivityAcceptedSchema, 'On the queue'),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422, 429, 503),
  },
});
