import { createRoute } from '@hono/zod-openapi';
import { errorResponses } from '../../http/openapi';
import { bearerAuth, jsonBody, jsonResponse } from '../../http/openapi';
import { requireAuth } from '../../http/middleware/require-auth';
import { ProfileSchema, ProfileUpdateSchema } from '../../http/schemas';
import { MeSchema } from './profile.schemas';

const tags = ['Profile'];
const common = { tags, security: bearerAuth, middleware: [requireAuth] };

export const me = createRoute({
  ...common,
  method: 'get',
  path: '/auth/me',
  operationId: 'getMe',
  summary: 'The signed-in user',
  description:
    'The user behind the access token, with profile, preferences, roles and permissions read from the database now (not from the token), and the number of live sessions.',
  responses: {
    200: jsonResponse(MeSchema, 'The user, profile and session count'),
    ...errorResponses(401, 404, 503),
  },
});

export const getProfile = createRoute({
  ...common,
  method: 'get',
  path: '/auth/profile',
  operationId: 'getProfile',
  summary: 'Read the profile',
  description: "The caller's profile fields (names, username, bio, avatar URL); null where unset.",
  responses: { 200: jsonResponse(ProfileSchema, 'Profile'), ...errorResponses(401, 404, 503) },
});

export const updateProfile = createRoute({
  ...common,
  method: 'put',
  path: '/auth/profile',
  operationId: 'updateProfile',
  summary: 'Update the profile',
  description:
    'Only the fields sent change; null clears a field. A taken username answers 409 CONFLICT.',
  request: { body: jsonBody(ProfileUpdateSchema) },
  responses: {
    200: jsonResponse(ProfileSchema, 'Updated profile'),
    ...errorResponses(400, 401, 404, 409, 413, 415, 422, 503),
  },
});
