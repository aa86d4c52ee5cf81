import type { Context } from 'hono';
import * as rbac from '../../db/queries/rbac';
import { findUserById, setUserStatus } from '../../db/queries/users';
import { audit, auditEntry } from '../../lib/audit';
import { ApiError } from '../../lib/errors';
import { changeRoles } from '../../domain/sessions';
import { sessionStore } from '../../durable-objects/session-store/object';
import type { AppEnv, AppRouteHandler } from '../../http/app-env';
import type * as routes from './admin.routes';

const notFound = (what: string) => new ApiError(404, 'NOT_FOUND', `${what} not found`);

async function roleOr404(c: Context<AppEnv>, name: string) {
  const role = await rbac.findRole(c.var.db, name);
  if (!role) throw notFound('Role');
  return role;
}

async function userOr404(c: Context<AppEnv>, userId: string) {
  const user = await findUserById(c.var.db, userId);
  if (!user) throw notFound('User');
  return user;
}

export const listRoles: AppRouteHandler<typeof routes.listRoles> = async (c) =>
  c.json({ items: await rbac.listRoles(c.var.db) }, 200);

export const createRole: AppRouteHandler<typeof routes.createRole> = async (c) => {
  const body = c.req.valid('json');
  const role = { ...body, permissions: [...new Set(body.permissions)] };
  if (!(await rbac.createRole(c.var.db, role, new Date())))
    throw new ApiError(409, 'CONFLICT', 'A role with this name exists');
  return c.json(await roleOr404(c, role.name), 201);
};

export const grantPermission: AppRouteHandler<typeof routes.grantPermission> = async (c) => {
  const { role } = c.req.valid('param');
  const { permission } = c.req.valid('json');
  await roleOr404(c, role);
  await rbac.grantPermission(c.var.db, role, permission);
  audit(c, 'roles_changed', {
    userId: null,
    actorId: c.var.auth.sub,
    metadata: { role, granted: permission },
  });
  return c.json(await roleOr404(c, role), 200);
};

export const revokePermission: AppRouteHandler<typeof routes.revokePermission> = async (c) => {
  const { role, permission } = c.req.valid('param');
  await roleOr404(c, role);
  await rbac.revokePermission(c.var.db, role, permission);
  audit(c, 'roles_changed', {
    userId: null,
    actorId: c.var.auth.sub,
    metadata: { role, revoked: permission },
  });
  return c.json(await roleOr404(c, role), 200);
};

export const assignRole: AppRouteHandler<typeof routes.assignRole> = async (c) => {
  const { user_id } = c.req.valid('param');
  const { role } = c.req.valid('json');
  await Promise.all([userOr404(c, user_id), roleOr404(c, role)]);
  const entry = auditEntry(c, 'roles_changed', {
    userId: user_id,
    actorId: c.var.auth.sub,
    metadata: { added: role },
  });
  await changeRoles(c.env.SESSIONS, user_id, () => rbac.assignRole(c.var.db, user_id, role, entry));
  return c.json({ user_id, roles: (await rbac.grantsOf(c.var.db, user_id)).roles }, 200);
};

export const removeRole: AppRouteHandler<typeof routes.removeRole> = async (c) => {
  const { user_id, role } = c.req.valid('param');
  await Promise.all([userOr404(c, user_id), roleOr404(c, role)]);
  // An admin dropping their own admin role could leave nobody able to administer.
  if (user_id === c.var.auth.sub && role === 'admin')
    throw new ApiError(409, 'CONFLICT', 'You cannot remove your own admin role');
  const entry = auditEntry(c, 'roles_changed', {
    userId: user_id,
    actorId: c.var.auth.sub,
    metadata: { removed: role },
  });
  await changeRoles(c.env.SESSIONS, user_id, () => rbac.removeRole(c.var.db, user_id, role, entry));
  return c.json({ user_id, roles: (await rbac.grantsOf(c.var.db, user_id)).roles }, 200);
};

export const setStatus: AppRouteHandler<typeof routes.setStatus> = async (c) => {
  const { user_id } = c.req.valid('param');
  const { status } = c.req.valid('json');
  await userOr404(c, user_id);
  if (user_id === c.var.auth.sub)
    throw new ApiError(409, 'CONFLICT', 'You cannot change your own status');
  const entry = auditEntry(c, status === 'suspended' ? 'suspended' : 'reactivated', {
    userId: user_id,
    actorId: c.var.auth.sub,
  });
  // The SessionStore blocks new sessions itself, so a login racing with a suspension cannot
  // slip through. Ordered so a failure half-way leaves the account locked out, never open.
  const store = sessionStore(c.env.SESSIONS, user_id);
  let ended = 0;
  if (status === 'suspended') {
    ended = await store.block(Date.now());
    await setUserStatus(c.var.db, user_id, status, entry);
  } else {
    await setUserStatus(c.var.db, user_id, status, entry);
    await store.unblock();
  }
  return c.json({ user_id, status, sessions_ended: ended }, 200);
};
