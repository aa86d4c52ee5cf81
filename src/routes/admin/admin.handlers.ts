import * as admin from '../../domain/admin';
import * as factors from '../../domain/factors/enrolment';
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
  const caller = callerOf(c);
  const actor =
    caller.kind === 'user'
      ? { userId: caller.userId, by: 'admin' }
      : { userId: null, by: `service:${caller.service}` };
  await factors.resetMfa(c.var.deps, actor, user_id);
  return c.body(null, 204);
};
