import * as rbac from '../db/queries/rbac';
import { findUserById, setUserStatus } from '../db/queries/users';
import type { User } from '../db/schema';
import { sessionStore } from '../durable-objects/session-store/object';
import { ApiError } from '../lib/errors';
import { runBetweenRoleMarks } from './sessions';
import type { Deps } from './deps';

// Administration of roles and accounts. Every function takes the acting admin's user id: the
// routes behind requireAdmin have checked admin_panel:admin already, and the id goes into the
// audit trail as the actor.

type AdminDeps = Pick<Deps, 'db' | 'events'>;

export interface NewRole {
  name: string;
  description: string;
  permissions: string[];
}

const notFound = (what: string) => new ApiError('NOT_FOUND', `${what} not found`);

/** A role with its permissions, or 404. */
async function roleOrNotFound(deps: Pick<Deps, 'db'>, name: string) {
  const role = await rbac.findRole(deps.db, name);
  if (!role) throw notFound('Role');
  return role;
}

async function userOrNotFound(deps: Pick<Deps, 'db'>, userId: string) {
  const user = await findUserById(deps.db, userId);
  if (!user) throw notFound('User');
  return user;
}

export const listRoles = (deps: Pick<Deps, 'db'>) => rbac.listRoles(deps.db);

/** Creates a role (duplicate permissions collapse); 409 when the name is taken. */
export async function createRole(deps: Pick<Deps, 'db' | 'now'>, input: NewRole) {
  const role = { ...input, permissions: [...new Set(input.permissions)] };
  if (!(await rbac.createRole(deps.db, role, new Date(deps.now())))) {
    throw new ApiError('CONFLICT', 'A role with this name exists');
  }
  return roleOrNotFound(deps, role.name);
}

/** Adds a permission to a role (a no-op if it has it) and returns the role after the change. */
export async function grantPermission(
  deps: AdminDeps,
  actorId: string,
  role: string,
  permission: string,
) {
  await roleOrNotFound(deps, role);
  await rbac.grantPermission(deps.db, role, permission);
  deps.events.emit({
    type: 'roles_changed',
    user_id: null,
    actor_id: actorId,
    metadata: { role, granted: permission },
  });
  return roleOrNotFound(deps, role);
}

/** Takes a permission from a role and returns the role after the change. */
export async function revokePermission(
  deps: AdminDeps,
  actorId: string,
  role: string,
  permission: string,
) {
  await roleOrNotFound(deps, role);
  await rbac.revokePermission(deps.db, role, permission);
  deps.events.emit({
    type: 'roles_changed',
    user_id: null,
    actor_id: actorId,
    metadata: { role, revoked: permission },
  });
  return roleOrNotFound(deps, role);
}

type RoleDeps = AdminDeps & Pick<Deps, 'sessions'>;

/** Gives a user a role; tokens see it at once (runBetweenRoleMarks). Returns the user's roles after. */
export async function assignRole(deps: RoleDeps, actorId: string, userId: string, role: string) {
  await Promise.all([userOrNotFound(deps, userId), roleOrNotFound(deps, role)]);
  const entry = deps.events.entry({
    type: 'roles_changed',
    user_id: userId,
    actor_id: actorId,
    metadata: { added: role },
  });
  await runBetweenRoleMarks(deps.sessions, userId, () =>
    rbac.assignRole(deps.db, userId, role, entry),
  );
  return { user_id: userId, roles: (await rbac.grantsOf(deps.db, userId)).roles };
}

/** Takes a role from a user; tokens lose it at once. Returns the user's roles after. */
export async function removeRole(deps: RoleDeps, actorId: string, userId: string, role: string) {
  await Promise.all([userOrNotFound(deps, userId), roleOrNotFound(deps, role)]);
  // An admin dropping their own admin role could leave nobody able to administer.
  if (userId === actorId && role === 'admin') {
    throw new ApiError('CONFLICT', 'You cannot remove your own admin role');
  }
  const entry = deps.events.entry({
    type: 'roles_changed',
    user_id: userId,
    actor_id: actorId,
    metadata: { removed: role },
  });
  await runBetweenRoleMarks(deps.sessions, userId, () =>
    rbac.removeRole(deps.db, userId, role, entry),
  );
  return { user_id: userId, roles: (await rbac.grantsOf(deps.db, userId)).roles };
}

/**
 * Suspends (ending every session) or reactivates an account; nobody changes their own status.
 * The SessionStore blocks new sessions itself, so a login racing with a suspension cannot slip
 * through. Ordered so a failure half-way leaves the account locked out, never open.
 */
export async function setStatus(
  deps: RoleDeps & Pick<Deps, 'now'>,
  actorId: string,
  userId: string,
  status: User['status'],
) {
  await userOrNotFound(deps, userId);
  if (userId === actorId) throw new ApiError('CONFLICT', 'You cannot change your own status');
  const entry = deps.events.entry({
    type: status === 'suspended' ? 'suspended' : 'reactivated',
    user_id: userId,
    actor_id: actorId,
  });
  const store = sessionStore(deps.sessions, userId);
  let ended = 0;
  if (status === 'suspended') {
    ended = await store.block(deps.now());
    await setUserStatus(deps.db, userId, status, entry);
  } else {
    await setUserStatus(deps.db, userId, status, entry);
    await store.unblock();
  }
  return { user_id: userId, status, sessions_ended: ended };
}
