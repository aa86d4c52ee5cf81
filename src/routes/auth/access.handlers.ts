import * as access from '../../domain/access';
import * as ingest from '../../domain/analytics/ingest';
import type { Deps } from '../../domain/deps';
import { introspect } from '../../domain/access-tokens';
import { ApiError, orUnavailable } from '../../lib/errors';
import { callerOf } from '../../http/middleware/require-auth';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './access.routes';

export const validate: AppRouteHandler<typeof routes.validate> = async (c) => {
  access.requireScope(callerOf(c), 'tokens:validate');
  return c.json(await introspect(c.var.deps, c.req.valid('json').token), 200);
};

export const authorize: AppRouteHandler<typeof routes.authorize> = async (c) => {
  const body = c.req.valid('json');
  const caller = callerOf(c);
  const userId = body.user_id ?? (caller.kind === 'user' ? caller.userId : undefined);
  if (!userId) {
    throw new ApiError('VALIDATION_ERROR', 'Request validation failed', {
      errors: [{ field: 'user_id', message: 'required when a service asks' }],
    });
  }
  await orUnavailable('Database', () =>
    access.assertSelfOrAdmin(c.var.deps, caller, userId, 'permissions:read'),
  );
  return c.json(await access.authorize(c.var.deps, { ...body, user_id: userId }), 200);
};

/** Over HTTP an unknown user is 404 (the RPC entrypoint answers null). */
async function grantsOr404(deps: Deps, userId: string) {
  const found = await access.permissionsOf(deps, userId);
  if (!found) throw new ApiError('NOT_FOUND', 'User not found');
  return found;
}

export const permissions: AppRouteHandler<typeof routes.permissions> = async (c) => {
  const { user_id } = c.req.valid('param');
  await access.assertSelfOrAdmin(c.var.deps, callerOf(c), user_id, 'permissions:read');
  return c.json(await grantsOr404(c.var.deps, user_id), 200);
};

export const roles: AppRouteHandler<typeof routes.roles> = async (c) => {
  const { user_id } = c.req.valid('param');
  await access.assertSelfOrAdmin(c.var.deps, callerOf(c), user_id, 'users:read');
  return c.json({ user_id, roles: (await grantsOr404(c.var.deps, user_id)).roles }, 200);
};

type Grants = Awaited<ReturnType<typeof grantsOr404>>;
type Account = Awaited<ReturnType<typeof access.userWithProfile>>;

const contextJson = ({ user, profile }: Account, grants: Grants) => ({
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
});

export const context: AppRouteHandler<typeof routes.context> = async (c) => {
  const { user_id } = c.req.valid('param');
  // Service or admin only: a user reading their own context uses /auth/me.
  await access.assertServiceOrAdmin(c.var.deps, callerOf(c), 'users:read');
  const [account, grants] = await Promise.all([
    access.userWithProfile(c.var.deps, user_id),
    grantsOr404(c.var.deps, user_id),
  ]);
  return c.json(contextJson(account, grants), 200);
};

export const recordActivity: AppRouteHandler<typeof routes.recordActivity> = async (c) => {
  const { user_id } = c.req.valid('param');
  const body = c.req.valid('json');
  const { eventId } = await ingest.recordActivity(c.var.deps, callerOf(c), user_id, body);
  return c.json({ accepted: 1 as const, event_id: eventId }, 202);
};
