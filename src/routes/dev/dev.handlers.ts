import { outboxFor } from '../../domain/notifications';
import { canonicalEmail } from '../../http/email';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './dev.routes';

export const outbox: AppRouteHandler<typeof routes.outbox> = async (c) => {
  const { to, limit } = c.req.valid('query');
  const address = to.includes('@') ? canonicalEmail(to) : to;
  const rows = await outboxFor(c.var.deps, address, limit);
  return c.json(
    {
      items: rows.map((m) => ({
        id: m.id,
        channel: m.channel,
        to: m.to,
        subject: m.subject,
        body: m.body,
        created_at: m.createdAt.toISOString(),
      })),
    },
    200,
  );
};
