import type { SessionInfo } from '../../durable-objects/session-store/object';
import { assertSelfOrAdmin } from '../../lib/access';
import { ApiError } from '../../lib/errors';
import { pageInMemory } from '../../lib/pagination';
import { sessionStore } from '../../durable-objects/session-store/object';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './sessions.routes';

const iso = (ms: number) => new Date(ms).toISOString();

/** The API shape of a session, marking the caller's own. */
export const sessionJson = (s: SessionInfo, currentId: string) => ({
  id: s.id,
  created_at: iso(s.createdAt),
  last_used_at: iso(s.lastUsedAt),
  expires_at: iso(s.expiresAt),
  ip: s.ip,
  user_agent: s.userAgent,
  country: s.country,
  current: s.id === currentId,
});

export const listSessions: AppRouteHandler<typeof routes.listSessions> = async (c) => {
  const { sub, sid } = c.var.auth;
  const { limit, cursor } = c.req.valid('query');
  const sessions = await sessionStore(c.env.SESSIONS, sub).list(Date.now());
  const page = pageInMemory(sessions, (s) => ({ at: s.createdAt, id: s.id }), limit, cursor);
  return c.json({ ...page, items: page.items.map((s) => sessionJson(s, sid)) }, 200);
};

export const revokeSession: AppRouteHandler<typeof routes.revokeSession> = async (c) => {
  const { session_id } = c.req.valid('param');
  const owner = c.req.valid('query').user_id ?? c.var.auth.sub;
  await assertSelfOrAdmin(c, owner, false);
  // Sessions live in their owner's store, so another user's id is simply not found here.
  if (!(await sessionStore(c.env.SESSIONS, owner).revoke(session_id))) {
    throw new ApiError(404, 'NOT_FOUND', 'Session not found');
  }
  return c.body(null, 204);
};

export const currentSession: AppRouteHandler<typeof routes.currentSession> = async (c) => {
  const { sub, sid } = c.var.auth;
  const session = await sessionStore(c.env.SESSIONS, sub).get(sid, Date.now());
  if (!session) throw new ApiError(401, 'SESSION_REVOKED', 'This session has ended');
  return c.json(sessionJson(session, sid), 200);
};
