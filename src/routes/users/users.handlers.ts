import type { z } from '@hono/zod-openapi';
import * as users from '../../domain/users';
import type { NewAccount } from '../../domain/accounts';
import type { AuditEvent } from '../../domain/events';
import { callerOf, userOf } from '../../http/middleware/require-auth';
import { profileJson, sessionJson, userSummary } from '../../http/shapes';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './users.routes';
import type { CreateUserSchema } from './users.schemas';

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

const dashboardJson = (d: Awaited<ReturnType<typeof users.dashboard>>) => ({
  user: userSummary(d.user),
  profile: profileJson(d.profile),
  preferences: d.profile.preferences,
  roles: d.roles,
  sessions: d.sessions.map((s) => sessionJson(s, d.currentSessionId)),
  recent_activity: d.recent.map(activityJson),
  organizations: d.organizations.map(({ organization_id, name, role }) => ({
    organization_id,
    name,
    role,
  })),
  security: {
    email_verified: d.user.emailVerifiedAt !== null,
    mfa_enabled: d.mfaEnabled,
    active_sessions: d.sessions.length,
    last_login_at: d.logins.latestAt?.toISOString() ?? null,
    failed_logins_24h: d.logins.count,
  },
});

/** The account createAccount makes from the request body. */
const accountOf = (body: z.output<typeof CreateUserSchema>): NewAccount => ({
  email: body.email,
  password: body.password,
  roles: body.roles,
  emailVerified: body.email_verified,
  ...(body.organization && {
    organization: {
      organizationId: body.organization.organization_id,
      role: body.organization.role,
    },
  }),
  profile: {
    firstName: body.first_name,
    lastName: body.last_name,
    username: body.username,
    bio: body.bio,
    avatarUrl: body.avatar_url,
    preferences: body.preferences ?? {},
  },
});

export const createUser: AppRouteHandler<typeof routes.createUser> = async (c) => {
  const { user, profile, roles, organizations } = await users.createCompleteUser(
    c.var.deps,
    callerOf(c),
    accountOf(c.req.valid('json')),
  );
  const { preferences } = profile;
  return c.json(
    { ...userSummary(user), profile: profileJson(profile), preferences, roles, organizations },
    201,
  );
};

export const dashboard: AppRouteHandler<typeof routes.dashboard> = async (c) => {
  const { user_id } = c.req.valid('param');
  return c.json(dashboardJson(await users.dashboard(c.var.deps, userOf(c), user_id)), 200);
};

export const preferences: AppRouteHandler<typeof routes.preferences> = async (c) => {
  const { user_id } = c.req.valid('param');
  const patch = c.req.valid('json');
  const merged = await users.mergePreferences(c.var.deps, userOf(c), user_id, patch);
  return c.json({ preferences: merged }, 200);
};

export const activity: AppRouteHandler<typeof routes.activity> = async (c) => {
  const { user_id } = c.req.valid('param');
  const page = await users.activity(c.var.deps, userOf(c), user_id, c.req.valid('query'));
  return c.json({ items: page.items.map(activityJson), next_cursor: page.next_cursor }, 200);
};
