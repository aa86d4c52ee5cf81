import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { rolePermissions, roles, userRoles } from '../schema';
import { auditInsert, type AuditEntry } from './audit';
import { uniqueViolation } from './unique-violation';

export interface Grants {
  roles: string[];
  permissions: string[];
}

/** A user's current roles and the union of their permissions, read fresh from the database. */
export async function grantsOf(db: Db, userId: string): Promise<Grants> {
  const rows = await db
    .select({ role: userRoles.role, permission: rolePermissions.permission })
    .from(userRoles)
    .leftJoin(rolePermissions, eq(rolePermissions.role, userRoles.role))
    .where(eq(userRoles.userId, userId))
    .orderBy(asc(userRoles.role), asc(rolePermissions.permission));
  return {
    roles: [...new Set(rows.map((r) => r.role))],
    permissions: [...new Set(rows.flatMap((r) => (r.permission ? [r.permission] : [])))].sort(),
  };
}

/** Every role (or the one named) with its permissions, by name. */
export async function listRoles(db: Db, only?: string) {
  const rows = await db
    .select({
      name: roles.name,
      description: roles.description,
      permission: rolePermissions.permission,
    })
    .from(roles)
    .leftJoin(rolePermissions, eq(rolePermissions.role, roles.name))
    .where(only === undefined ? undefined : eq(roles.name, only))
    .orderBy(asc(roles.name), asc(rolePermissions.permission));
  const byName = new Map<string, { name: string; description: string; permissions: string[] }>();
  for (const row of rows) {
    const role = byName.get(row.name) ?? {
      name: row.name,
      description: row.description,
      permissions: [],
    };
    if (row.permission) role.permissions.push(row.permission);
    byName.set(row.name, role);
  }
  return [...byName.values()];
}

export async function findRole(db: Db, name: string) {
  return (await listRoles(db, name))[0];
}

/** Creates a role with its permissions in one batch; false when the name is taken. */
export async function createRole(
  db: Db,
  role: { name: string; description: string; permissions: string[] },
  now: Date,
) {
  try {
    await db.batch([
      db.insert(roles).values({ name: role.name, description: role.description, createdAt: now }),
      ...role.permissions.map((permission) =>
        db.insert(rolePermissions).values({ role: role.name, permission }),
      ),
    ]);
    return true;
  } catch (err) {
    if (uniqueViolation(err) === 'roles.name') return false;
    throw err;
  }
}

export async function grantPermission(db: Db, role: string, permission: string) {
  await db.insert(rolePermissions).values({ role, permission }).onConflictDoNothing();
}

export async function revokePermission(db: Db, role: string, permission: string) {
  await db
    .delete(rolePermissions)
    .where(and(eq(rolePermissions.role, role), eq(rolePermissions.permission, permission)));
}

/** Gives a user a role, with its audit entry, atomically (no-op if already held). */
export async function assignRole(db: Db, userId: string, role: string, audit: AuditEntry) {
  await db.batch([
    db.insert(userRoles).values({ userId, role, createdAt: audit.at }).onConflictDoNothing(),
    auditInsert(db, audit),
  ]);
}

/** Takes a role from a user, with its audit entry, atomically. */
export async function removeRole(db: Db, userId: string, role: string, audit: AuditEntry) {
  await db.batch([
    db.delete(userRoles).where(and(eq(userRoles.userId, userId), eq(userRoles.role, role))),
    auditInsert(db, audit),
  ]);
}
