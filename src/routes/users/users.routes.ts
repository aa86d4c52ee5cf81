import { createRoute } from '@hono/zod-openapi';
import { errorResponses } from '../../http/openapi';
import { bearerAuth, jsonBody, jsonResponse, serviceAuth } from '../../http/openapi';
import { pageOf, PageQuerySchema } from '../../http/pagination';
import { UserIdParamSchema } from '../../http/params';
import { requireAuth } from '../../http/middleware/require-auth';
import { requireUserOrService } from '../../http/middleware/require-service';
import {
  ActivitySchema,
  CreatedUserSchema,
  CreateUserSchema,
  DashboardSchema,
  PreferencesPatchSchema,
  PreferencesSchema,
} from './users.schemas';

const tags = ['Users'];
const selfOrAdmin = { tags, security: bearerAuth, middleware: [requireAuth] };

export const createUser = createRoute({
  tags,
  method: 'post',
  path: '/users/profile',
  operationId: 'createUser',
  summary: 'Create a complete user with profile (admin or service)',
  description:
    'Roles must exist (422 otherwise); services cannot give roles with admin_panel:admin (403); a taken email answers 409 USER_EXISTS; the password policy applies. A service needs the scope users:create, and also users:verify for `email_verified: true`, users:roles for a global role other than `user`, orgs:members for `organization` (403 naming the missing scope).',
  security: [...serviceAuth, ...bearerAuth],
  middleware: [requireUserOrService],
  request: { body: jsonBody(CreateUserSchema) },
  responses: {
    201: jsonResponse(CreatedUserSchema, 'Created'),
    ...errorResponses(400, 401, 403, 409, 413, 415, 422, 503),
  },
});

export const dashboard = createRoute({
  ...selfOrAdmin,
  method: 'get',
  path: '/users/{user_id}/dashboard',
  operationId: 'getUserDashboard',
  summary: 'Profile, sessions, recent activity, organizations and security summary (self or admin)',
  description:
    'One call for an account page: profile, preferences, roles, live sessions, the last 10 activity entries, organizations and a security summary (last login, failed logins in 24 hours). A user may read their own; admins anyone.',
  request: { params: UserIdParamSchema },
  responses: {
    200: jsonResponse(DashboardSchema, 'Dashboard'),
    ...errorResponses(401, 403, 404, 422, 503),
  },
});

export const preferences = createRoute({
  ...selfOrAdmin,
  method: 'patch',
  path: '/users/{user_id}/preferences',
  operationId: 'updatePreferences',
  summary: 'Merge into the preferences (self or admin)',
  description:
    'An RFC 7396 JSON merge patch: keys merge recursively and null deletes. The merged document is limited to 16 KB and 5 levels (422 beyond).',
  request: { params: UserIdParamSchema, body: jsonBody(PreferencesPatchSchema) },
  responses: {
    200: jsonResponse(PreferencesSchema, 'Merged preferences'),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503),
  },
});

export const activity = createRoute({
  ...selfOrAdmin,
  method: 'get',
  path: '/users/{user_id}/activity',
  operationId: 'listUserActivity',
  summary: "A user's audit trail, newest first (self or admin)",
  description:
    "The user's audit entries (registration, sign-ins and failures, lockouts, password, profile and role changes, suspension...), newest first, paginated with limit and cursor. A user may read their own; admins anyone.",
  request: { params: UserIdParamSchema, query: PageQuerySchema },
  responses: {
    200: jsonResponse(pageOf(ActivitySchema).openapi('ActivityPage'), 'A page of entries'),
    ...errorResponses(400, 401, 403, 422, 503),
  },
});
