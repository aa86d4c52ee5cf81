import * as admin from '../../domain/admin';
import { resetFactors } from '../../domain/factor-reset';
import * as impersonation from '../../domain/impersonation';
import { NO_STORE } from '../../http/cookie-transport';
import { callerOf, userOf } from '../../http/middleware/require-auth';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './admin.routes';

// Every admin route is behind requireAdmin (the caller is a signed-in admin), except the MFA
// reset, which a service may call too.

export const listRoles: AppRouteHandler<typeof routes.listRoles> = async (c) =>
  c.json({ items: await admin.listRoles(c.var.deps) }, 200);

export const createRole: AppRouteHandler<typeof routes.createRole> = async (c) =>
  c.json(await admin.createRole(c.var.deps, c.req.valid('json')), 201);

export const grantPermission: AppRouteHandler<typeof routes.grantPermission> = async (c) => {
  const { role } = c.req.valid('param');
  const { permission } = c.req.valid('json');
  const updated = await admin.grantPermission(c.var.deps, userOf(c).userId, role, permission);
  return c.json(updated, 200);
};

export const revokePermission: AppRouteHandler<typeof routes.revokePermission> = async (c) => {
  const { role, permission } = c.req.valid('param');
  const updated = await admin.revokePermission(c.var.deps, userOf(c).userId, role, permission);
  return c.json(updated, 200);
};

export const assignRole: AppRouteHandler<typeof routes.assignRole> = async (c) => {
  const { user_id } = c.req.valid('param');
  const { role } = c.req.valid('json');
  return c.json(await admin.assignRole(c.var.deps, userOf(c).userId, user_id, role), 200);
};

export const removeRole: AppRouteHandler<typeof routes.removeRole> = async (c) => {
  const { user_id, role } = c.req.valid('param');
  return c.json(await admin.removeRole(c.var.deps, userOf(c).userId, user_id, role), 200);
};

export const setStatus: AppRouteHandler<typeof routes.setStatus> = async (c) => {
  const { user_id } = c.req.valid('param');
  const { status } = c.req.valid('json');
  return c.json(await admin.setStatus(c.var.deps, userOf(c).userId, user_id, status), 200);
};

export const resetMfa: AppRouteHandler<typeof routes.resetMfa> = async (c) => {
  const { user_id } = c.req.valid('param');
  await resetFactors(c.var.deps, callerOf(c), user_id);
  return c.body(null, 204);
};

export const impersonate: AppRouteHandler<typeof routes.impersonate> = async (c) => {
  const { user_id } = c.req.valid('param');
  const admin = userOf(c);
  await impersonation.requirePermission(c.var.deps, admin, 'users', 'admin');
  const started = await impersonation.impersonate(c.var.deps, admin.userId, user_id);
  const { accessToken, refreshToken, expiresIn } = started.tokens;
  const body = {
    access_token: accessToken,
    refresh_token: refreshToken,
    token_type: 'bearer' as const,
    expires_in: expiresIn,
    session_id: started.sessionId,
    user_id,
    actor_id: admin.userId,
    expires_at: new Date(started.expiresAt).toISOString(),
  };
  return c.json(body, 201, NO_STORE);
};
