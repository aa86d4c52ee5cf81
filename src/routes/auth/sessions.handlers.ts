import { currentDevice, listDevices, revokeDevice } from '../../domain/devices';
import { userOf } from '../../http/middleware/require-auth';
import { sessionJson } from '../../http/shapes';
import { pageInMemory } from '../../lib/pagination';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './sessions.routes';

export const listSessions: AppRouteHandler<typeof routes.listSessions> = async (c) => {
  const { userId, sessionId } = userOf(c);
  const { limit, cursor } = c.req.valid('query');
  const sessions = await listDevices(c.var.deps, userId);
  const page = pageInMemory(sessions, (s) => ({ at: s.createdAt, id: s.id }), limit, cursor);
  return c.json({ ...page, items: page.items.map((s) => sessionJson(s, sessionId)) }, 200);
};

export const revokeSession: AppRouteHandler<typeof routes.revokeSession> = async (c) => {
  const { session_id } = c.req.valid('param');
  const user = userOf(c);
  await revokeDevice(c.var.deps, user, c.req.valid('query').user_id ?? user.userId, session_id);
  return c.body(null, 204);
};

export const currentSession: AppRouteHandler<typeof routes.currentSession> = async (c) => {
  const user = userOf(c);
  return c.json(sessionJson(await currentDevice(c.var.deps, user), user.sessionId), 200);
};
