import type { Context } from 'hono';
import { grantsOf } from '../../db/queries/rbac';
import { findUserWithProfile } from '../../db/queries/users';
import { assertSelfOrAdmin, assertServiceOrAdmin } from '../../lib/access';
import { ApiError, orUnavailable } from '../../lib/errors';
import { verifyAccessToken } from '../../lib/jwt';
import { permits } from '../../lib/permissions';
import { requireSigningKeys } from '../../lib/secrets';
import { sessionStore } from '../../lib/session-tokens';
import type { AppEnv, AppRouteHandler } from '../../types';
import type * as routes from './access.routes';

// Organizations are not part of this deployment yet: every user belongs to none.
const NO_ORGANIZATIONS: { organization_id: string; role: string; permissions: string[] }[] = [];

export const validate: AppRouteHandler<typeof routes.validate> = async (c) => {
  const { token } = c.req.valid('json');
  const { config } = c.var;
  const keys = requireSigningKeys(c.var.secrets);
  let claims;
  try {
    claims = await verifyAccessToken(
      keys,
      { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE },
      token,
    );
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return c.json(
      {
        valid: false,
        reason: err.code === 'TOKEN_EXPIRED' ? ('expired' as const) : ('invalid' as const),
      },
      200,
    );
  }
  const { sub, sid } = claims;
  const [{ live }, grants] = await Promise.all([
    orUnavailable('Session store', () => sessionStore(c.env.SESSIONS, sub).check(sid, Date.now())),
    orUnavailable('Database', () => grantsOf(c.var.db, sub)),
  ]);
  if (!live) return c.json({ valid: false, reason: 'revoked' as const }, 200);
  return c.json(
    {
      valid: true,
      user_id: sub,
      email: claims.email,
      session_id: sid,
      roles: grants.roles,
      permissions: grants.permissions,
      expires_at: new Date(claims.exp * 1000).toISOString(),
    },
    200,
  );
};

export const authorize: AppRouteHandler<typeof routes.authorize> = async (c) => {
  const body = c.req.valid('json');
  const userId = body.user_id ?? (c.var.service ? undefined : c.var.auth.sub);
  if (!userId) {
    throw new ApiError(422, 'VALIDATION_ERROR', 'Request validation failed', {
      errors: [{ field: 'user_id', message: 'required when a service asks' }],
    });
  }
  await orUnavailable('Database', () => assertSelfOrAdmin(c, userId));
  const [row, grants] = await orUnavailable('Database', () =>
    Promise.all([findUserWithProfile(c.var.db, userId), grantsOf(c.var.db, userId)]),
  );
  if (!row) return c.json({ allowed: false, reason: 'unknown user' }, 200);
  if (row.user.status !== 'active')
    return c.json({ allowed: false, reason: 'account suspended' }, 200);
  if (body.organization_id !== undefined) {
    return c.json({ allowed: false, reason: 'not a member of this organization' }, 200);
  }
  const allowed = permits(grants.permissions, body.resource, body.action);
  return c.json(
    allowed
      ? { allowed }
      : { allowed, reason: `missing permission ${body.resource}:${body.action}` },
    200,
  );
};

async function loadUserGrants(c: Context<AppEnv>, userId: string) {
  const [row, grants] = await Promise.all([
    findUserWithProfile(c.var.db, userId),
    grantsOf(c.var.db, userId),
  ]);
  if (!row) throw new ApiError(404, 'NOT_FOUND', 'User not found');
  return { ...row, grants };
}

export const permissions: AppRouteHandler<typeof routes.permissions> = async (c) => {
  const { user_id } = c.req.valid('param');
  await assertSelfOrAdmin(c, user_id);
  const { grants } = await loadUserGrants(c, user_id);
  return c.json({ user_id, ...grants, organizations: NO_ORGANIZATIONS }, 200);
};

export const roles: AppRouteHandler<typeof routes.roles> = async (c) => {
  const { user_id } = c.req.valid('param');
  await assertSelfOrAdmin(c, user_id);
  const { grants } = await loadUserGrants(c, user_id);
  return c.json({ user_id, roles: grants.roles }, 200);
};

export const context: AppRouteHandler<typeof routes.context> = async (c) => {
  const { user_id } = c.req.valid('param');
  // Service or admin only: a user reading their own context uses /auth/me.
  await assertServiceOrAdmin(c);
  const { user, profile, grants } = await loadUserGrants(c, user_id);
  return c.json(
    {
      user: {
        user_id: user.id,
        email: user.email,
        status: user.status,
        email_verified: user.emailVerifiedAt !== null,
        created_at: user.createdAt.toISOString(),
        first_name: profile.firstName,
        last_name: profile.lastName,
        username: profile.username,
      },
      organizations: NO_ORGANIZATIONS,
      roles: grants.roles,
      permissions: grants.permissions,
    },
    200,
  );
};
