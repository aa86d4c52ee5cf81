import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../../lib/errors';
import { bearerAuth, jsonResponse } from '../../http/openapi';
import { requireAuth } from '../../http/middleware/require-auth';
import { SessionSchema } from '../../http/schemas';

const common = { tags: ['Sessions'], security: bearerAuth, middleware: [requireAuth] };

export const listSessions = createRoute({
  ...common,
  method: 'get',
  path: '/auth/sessions',
  summary: "The caller's live sessions, newest first",
  description:
    'At most MAX_SESSIONS_PER_USER (starting one more ends the oldest), so one page holds them all.',
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(SessionSchema), next_cursor: z.null() }).openapi('SessionList'),
      'Sessions',
    ),
    ...errorResponses(401, 503),
  },
});

export const revokeSession = createRoute({
  ...common,
  method: 'delete',
  path: '/auth/sessions/{session_id}',
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
    204: { description: 'Ended' },
    ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503),
  },
});

export const currentSession = createRoute({
  ...common,
  method: 'get',
  path: '/auth/current-session',
  summary: "The caller's session",
  responses: { 200: jsonResponse(SessionSchema, 'Session'), ...errorResponses(401, 503) },
});
