import { listAudit } from '../../db/queries/audit';
import { assertSelfOrAdmin } from '../../lib/access';
import { decodeCursor, encodeCursor } from '../../lib/pagination';
import type { AppRouteHandler } from '../../types';
import type * as routes from './users.routes';

export const activity: AppRouteHandler<typeof routes.activity> = async (c) => {
  const { user_id } = c.req.valid('param');
  const { limit, cursor } = c.req.valid('query');
  await assertSelfOrAdmin(c, user_id, false);
  // One extra row tells whether another page exists.
  const rows = await listAudit(c.var.db, user_id, limit + 1, decodeCursor(cursor));
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return c.json(
    {
      items: page.map((e) => ({
        id: e.id,
        action: e.action,
        actor_id: e.actorId,
        ip: e.ip,
        user_agent: e.userAgent,
        request_id: e.requestId,
        metadata: e.metadata,
        created_at: e.createdAt.toISOString(),
      })),
      next_cursor:
        rows.length > limit && last
          ? encodeCursor({ at: last.createdAt.getTime(), id: last.id })
          : null,
    },
    200,
  );
};
