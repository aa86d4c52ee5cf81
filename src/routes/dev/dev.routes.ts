import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../lib/errors';
import type { AppEnv } from '../../http/app-env';
import { errorResponses, jsonResponse, publicRoute } from '../../http/openapi';

const OutboxMessageSchema = z
  .object({
    id: z.string(),
    channel: z.enum(['email', 'sms']),
    to: z.string(),
    subject: z.string().nullable(),
    body: z.string(),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('OutboxMessage');

/** Outside development the route does not exist: 404 before anything else, even validation. */
const developmentOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.var.config.ENVIRONMENT !== 'development') {
    throw new ApiError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`);
  }
  await next();
};

export const outbox = createRoute({
  tags: ['Development'],
  method: 'get',
  path: '/dev/outbox',
  operationId: 'listOutbox',
  security: publicRoute,
  summary: 'Messages the development notifier "sent" (development only)',
  description: 'Exists only when ENVIRONMENT=development; 404 otherwise.',
  middleware: [developmentOnly],
  request: {
    query: z.object({
      to: z.string().min(3).max(320).openapi({ example: 'ada@example.com' }),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(OutboxMessageSchema) }).openapi('Outbox'),
      'Newest first',
    ),
    ...errorResponses(404, 422),
  },
});
