import { createRoute, z } from '@hono/zod-openapi';
import { AUDIT_ACTIONS } from '../../db/schema';
import { errorResponses } from '../../lib/errors';
import { bearerAuth, jsonResponse } from '../../lib/openapi';
import { pageOf, PageQuerySchema } from '../../lib/pagination';
import { UserIdParamSchema } from '../../lib/params';
import { requireAuth } from '../../middleware/require-auth';

const tags = ['Users'];

export const ActivitySchema = z
  .object({
    id: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    actor_id: z
      .string()
      .nullable()
      .openapi({ description: 'Who acted, when not the user (an admin)' }),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    request_id: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Activity');

export const activity = createRoute({
  tags,
  method: 'get',
  path: '/users/{user_id}/activity',
  summary: "A user's audit trail, newest first (self or admin)",
  security: bearerAuth,
  middleware: [requireAuth],
  request: { params: UserIdParamSchema, query: PageQuerySchema },
  responses: {
    200: jsonResponse(pageOf(ActivitySchema).openapi('ActivityPage'), 'A page of entries'),
    ...errorResponses(400, 401, 403, 422, 503),
  },
});
