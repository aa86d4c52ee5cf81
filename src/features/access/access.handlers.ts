import type { Context } from 'hono';
import { assertSelfOrAdmin, assertServiceOrAdmin, userWithProfileOr404 } from '../../lib/access';
import { ApiError, orUnavailable } from '../../lib/errors';
import { audienceOf } from '../../lib/jwt';
import {
  authorizeUser,
  introspect,
  permissionsOf,
  type Introspector,
} from '../../lib/introspection';
import { requireSigningKeys } from '../../lib/secrets';
import type { AppEnv, AppRouteHandler } from '../../http/app-env';
import type * as routes from './access.routes';

const introspectorOf = (c: Context<AppEnv>): Introspector => ({
  db: c.var.db,
  sessions: c.env.SESSIONS,
  keys: requireSigningKeys(c.var.secrets),
  audience: audienceOf(c.var.config),
});

export const validate: AppRouteHandler<typeof routes.validate> = async (c) =>
  c.json(await introspect(introspectorOf(c), c.req.valid('json').token), 200);

export const authorize: AppRouteHandler<typeof routes.authorize> = async (c) => {
  const body = c.req.valid('json');
  const userId = body.user_id ?? (c.var.service ? undefined : c.var.auth.sub);
  if (!userId) {
    throw new ApiError(422, 'VALIDATION_ERROR', 'Request validation failed', {
      errors: [{ field: 'user_id', message: 'required when a service asks' }],
    });
  }
  await orUnavailable('Database', () => assertSelfOrAdmin(c, userId));
  return c.json(await authorizeUser(c.var.db, { ...body, user_id: userId }), 200);
};

async function grantsOr404(c: Context<AppEnv>, userId: string) {
  const found = await permissionsOf(c.var.db, userId);
  if (!found) throw new ApiError(404, 'NOT_FOUND', 'User not found');
  return found;
}

export const permissions: AppRouteHandler<typeof routes.permissions> = async (c) => {
  const { user_id } = c.req.valid('param');
  await assertSelfOrAdmin(c, user_id);
  return c.json(await grantsOr404(c, user_id), 200);
};

export const roles: AppRouteHandler<typeof routes.roles> = async (c) => {
  const { user_id } = c.req.valid('param');
  await assertSelfOrAdmin(c, user_id);
  return c.json({ user_id, roles: (await grantsOr404(c, user_id)).roles }, 200);
};

export const context: AppRouteHandler<typeof routes.context> = async (c) => {
  const { user_id } = c.req.valid('param');
  // Service or admin only: a user reading their own context uses /auth/me.
  await assertServiceOrAdmin(c);
  const [{ user, profile }, grants] = await Promise.all([
    userWithProfileOr404(c, user_id),
    grantsOr404(c, user_id),
  ]);
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
      organizations: grants.organizations,
      roles: grants.roles,
      permissions: grants.permissions,
    },
    200,
  );
};
