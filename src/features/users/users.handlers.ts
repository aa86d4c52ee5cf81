import { auditSummary, listAudit } from '../../db/queries/audit';
import { grantsOf, listRoles } from '../../db/queries/rbac';
import { patchPreferences } from '../../db/queries/users';
import type { AuditEvent, User } from '../../db/schema';
import { assertSelfOrAdmin, assertServiceOrAdmin, userWithProfileOr404 } from '../../lib/access';
import { createAccount } from '../../lib/accounts';
import { ApiError } from '../../lib/errors';
import { isAdmin } from '../../lib/permissions';
import { decodeCursor, encodeCursor } from '../../lib/pagination';
import { sessionStore } from '../../durable-objects/session-store/object';
import type { AppRouteHandler } from '../../http/app-env';
import { profileJson } from '../profile/profile.handlers';
import { sessionJson } from '../sessions/sessions.handlers';
import type * as routes from './users.routes';
import { PREFERENCES_MAX_BYTES } from './users.schemas';

const DAY_MS = 86_400_000;

const summary = (u: User) => ({
  user_id: u.id,
  email: u.email,
  status: u.status,
  email_verified: u.emailVerifiedAt !== null,
  created_at: u.createdAt.toISOString(),
});

const activityJson = (e: AuditEvent) => ({
  id: e.id,
  action: e.action,
  actor_id: e.actorId,
  ip: e.ip,
  user_agent: e.userAgent,
  request_id: e.requestId,
  metadata: e.metadata,
  created_at: e.createdAt.toISOString(),
});

export const createUser: AppRouteHandler<typeof routes.createUser> = async (c) => {
  const body = c.req.valid('json');
  await assertServiceOrAdmin(c);
  const known = new Map((await listRoles(c.var.db)).map((r) => [r.name, r.permissions]));
  const unknown = body.roles.filter((r) => !known.has(r));
  if (unknown.length) {
    throw new ApiError(422, 'VALIDATION_ERROR', 'Request validation failed', {
      errors: [{ field: 'roles', message: `unknown roles: ${unknown.join(', ')}` }],
    });
  }
  // An API key is a machine credential: a leaked one must not be able to mint administrators.
  if (c.var.service && body.roles.some((r) => isAdmin(known.get(r) ?? []))) {
    throw new ApiError(403, 'FORBIDDEN', 'Services cannot create users with administrator roles');
  }
  const roles = [...new Set(body.roles)];
  const id = await createAccount(
    c,
    {
      email: body.email,
      password: body.password,
      roles,
      emailVerified: body.email_verified,
      profile: {
        firstName: body.first_name,
        lastName: body.last_name,
        username: body.username,
        bio: body.bio,
        avatarUrl: body.avatar_url,
        preferences: body.preferences ?? {},
      },
    },
    { actorId: c.var.service ? null : c.var.auth.sub, metadata: { by: c.var.service ?? 'admin' } },
  );
  const { user, profile } = await userWithProfileOr404(c, id);
  return c.json(
    { ...summary(user), profile: profileJson(profile), preferences: profile.preferences, roles },
    201,
  );
};

export const dashboard: AppRouteHandler<typeof routes.dashboard> = async (c) => {
  const { user_id } = c.req.valid('param');
  await assertSelfOrAdmin(c, user_id, false);
  const now = Date.now();
  const [{ user, profile }, grants, sessions, recent, logins] = await Promise.all([
    userWithProfileOr404(c, user_id),
    grantsOf(c.var.db, user_id),
    sessionStore(c.env.SESSIONS, user_id).list(now),
    listAudit(c.var.db, user_id, 10),
    auditSummary(c.var.db, user_id, 'login_failed', new Date(now - DAY_MS), 'login_succeeded'),
  ]);
  const currentSession = c.var.auth.sub === user_id ? c.var.auth.sid : '';
  return c.json(
    {
      user: summary(user),
      profile: profileJson(profile),
      preferences: profile.preferences,
      roles: grants.roles,
      sessions: sessions.map((s) => sessionJson(s, currentSession)),
      recent_activity: recent.map(activityJson),
      organizations: [],
      security: {
        email_verified: user.emailVerifiedAt !== null,
        mfa_enabled: false,
        active_sessions: sessions.length,
        last_login_at: logins.latestAt?.toISOString() ?? null,
        failed_logins_24h: logins.count,
      },
    },
    200,
  );
};

export const preferences: AppRouteHandler<typeof routes.preferences> = async (c) => {
  const { user_id } = c.req.valid('param');
  await assertSelfOrAdmin(c, user_id, false);
  await userWithProfileOr404(c, user_id);
  const merged = await patchPreferences(
    c.var.db,
    user_id,
    c.req.valid('json'),
    PREFERENCES_MAX_BYTES,
    new Date(),
  );
  if (!merged) {
    throw new ApiError(422, 'VALIDATION_ERROR', 'Preferences would exceed the size limit', {
      errors: [
        {
          field: '(body)',
          message: `merged preferences must be at most ${PREFERENCES_MAX_BYTES} bytes`,
        },
      ],
    });
  }
  return c.json({ preferences: merged }, 200);
};

export const activity: AppRouteHandler<typeof routes.activity> = async (c) => {
  const { user_id } = c.req.valid('param');
  const { limit, cursor } = c.req.valid('query');
  await assertSelfOrAdmin(c, user_id, false);
  // One extra row tells whether another page exists.
  const rows = await listAudit(c.var.db, user_id, limit + 1, decodeCursor(cursor));
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const more = rows.length > limit && last;
  return c.json(
    {
      items: page.map(activityJson),
      next_cursor: more ? encodeCursor({ at: last.createdAt.getTime(), id: last.id }) : null,
    },
    200,
  );
};
