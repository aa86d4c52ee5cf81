import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../../http/openapi';
import { bearerAuth, jsonResponse, noContent } from '../../http/openapi';
import { requireAuth } from '../../http/middleware/require-auth';
import { pageOf, PageQuerySchema } from '../../http/pagination';
import { SessionSchema } from '../../http/schemas';

const common = { tags: ['Sessions'], security: bearerAuth, middleware: [requireAuth] };

export const listSessions = createRoute({
  ...common,
  method: 'get',
  path: '/auth/sessions',
  operationId: 'listSessions',
  summary: "The caller's live sessions, newest first",
  description:
    'At most MAX_SESSIONS_PER_USER (starting one more ends the oldest), so the default page (limit 50) usually holds them all; limit and cursor page through them like every list.',
  request: { query: PageQuerySchema },
  responses: {
    200: jsonResponse(pageOf(SessionSchema).openapi('SessionList'), 'A page of sessions'),
    ...errorResponses(400, 401, 422, 503),
  },
});

export const revokeSession = createRoute({
  ...common,
  method: 'delete',
  path: '/auth/sessions/{session_id}',
  operationId: 'revokeSession',
  summary: 'End one session',
  description:
    "Only the caller's own sessions; another user's session id answers 404. Admins end another user's session by adding ?user_id=.",
  request: {
    params: z.object({
      session_id: z.uuid().openapi({ param: { name: 'session_id', in: 'path' } }),
    }),
    query: z.object({ user_id: z.uuid().optional() }),
  },
  responses: {
    204: noContent('Ended'),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503),
  },
});

export const currentSession = createRoute({
  ...common,
  method: 'get',
  path: '/auth/current-session',
  operationId: 'getCurrentSession',
  summary: "The caller's session",
  description: 'The session the access token belongs to; 401 SESSION_REVOKED once it has ended.',
  responses: { 200: jsonResponse(SessionSchema, 'Session'), ...errorResponses(401, 503) },
});
