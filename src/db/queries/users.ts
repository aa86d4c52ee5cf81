import { and, asc, eq, isNotNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import {
  mfaMethods,
  organizations,
  profiles,
  userRoles,
  users,
  type NewProfile,
  type OrgRole,
  type TokenPurpose,
  type User,
} from '../schema';
import { auditInsert, auditInsertIf, type AuditEntry } from './audit';
import { membershipInsert } from './org-members';
import { oneTimeTokenInsert, revokeOneTimeTokens } from './one-time-tokens';
import { foreignKeyViolation, uniqueViolation } from './unique-violation';

export type ProfileFields = Omit<NewProfile, 'userId' | 'updatedAt' | 'preferences'>;

/**
 * Creates a user, its profile, its roles and the audit entry in one batch (D1 runs a batch as
 * one transaction), so a failure leaves no row. Returns which unique field clashed.
 */
export async function createUser(
  db: Db,
  user: {
    id: string;
    email: string;
    passwordHash: string;
    roles: string[];
    emailVerifiedAt?: Date | null;
  },
  profile: ProfileFields & { preferences?: Record<string, unknown> },
  audit: AuditEntry,
  /** An organization the user joins in the same batch, with that entry. */
  membership?: { organizationId: string; role: OrgRole; audit: AuditEntry },
  /** A single-use token issued with the account (the first email verification link). */
  token?: { purpose: TokenPurpose; tokenHash: string; ttlMs: number },
): Promise<{ ok: true } | { ok: false; conflict: 'email' | 'username' | 'organization' }> {
  const now = audit.at;
  const { roles, ...row } = user;
  try {
    await db.batch([
      db.insert(users).values({ ...row, createdAt: now, updatedAt: now }),
      db.insert(profiles).values({ ...profile, userId: user.id, updatedAt: now }),
      ...roles.map((role) =>
        db.insert(userRoles).values({ userId: user.id, role, createdAt: now }),
      ),
      auditInsert(db, audit),
      ...(membership
        ? [
            membershipInsert(db, { ...membership, userId: user.id, at: now }),
            auditInsert(db, membership.audit),
          ]
        : []),
      ...(token ? [oneTimeTokenInsert(db, { ...token, userId: user.id, now })] : []),
    ]);
    return { ok: true };
  } catch (err) {
    // The organization was deleted since it was checked.
    if (membership && foreignKeyViolation(err)) return { ok: false, conflict: 'organization' };
    const column = uniqueViolation(err);
    if (column === 'users.email') return { ok: false, conflict: 'email' };
    if (column === 'profiles.username') return { ok: false, conflict: 'username' };
    throw err;
  }
}

export function findUserByEmail(db: Db, email: string) {
  return db.query.users.findFirst({ where: eq(users.email, email) });
}

export function findUserById(db: Db, id: string) {
  return db.query.users.findFirst({ where: eq(users.id, id) });
}

export async function findUserWithProfile(db: Db, id: string) {
  const [row] = await db
    .select({ user: users, profile: profiles })
    .from(users)
    .innerJoin(profiles, eq(profiles.userId, users.id))
    .where(eq(users.id, id))
    .limit(1);
  return row;
}

/**
 * Replaces a password hash only if it is still `previous` (a transparent rehash must never
 * overwrite a password that a reset or change stored meanwhile).
 */
export async function upgradePasswordHash(
  db: Db,
  userId: string,
  previous: string,
  passwordHash: string,
  now: Date,
) {
  await db
    .update(users)
    .set({ passwordHash, updatedAt: now })
    .where(and(eq(users.id, userId), eq(users.passwordHash, previous)));
}

/**
 * A password change in one batch: the new hash, the death of every outstanding reset link
 * (security.md), and the audit entry. Either all happen or none does.
 */
export async function changePassword(
  db: Db,
  userId: string,
  passwordHash: string,
  audit: AuditEntry,
) {
  await db.batch([
    db.update(users).set({ passwordHash, updatedAt: audit.at }).where(eq(users.id, userId)),
    revokeOneTimeTokens(db, userId, ['password_reset']),
    auditInsert(db, audit),
  ]);
}

/** Updates the given profile fields; null clears one. Returns false on a username clash. */
export async function updateProfile(db: Db, userId: string, fields: ProfileFields, now: Date) {
  try {
    await db
      .update(profiles)
      .set({ ...fields, updatedAt: now })
      .where(eq(profiles.userId, userId));
    return { ok: true as const };
  } catch (err) {
    if (uniqueViolation(err) === 'profiles.username')
      return { ok: false as const, conflict: 'username' as const };
    throw err;
  }
}

/** Sets active/suspended, with its audit entry, atomically. */
export async function setUserStatus(
  db: Db,
  userId: string,
  status: User['status'],
  audit: AuditEntry,
) {
  await db.batch([
    db.update(users).set({ status, updatedAt: audit.at }).where(eq(users.id, userId)),
    auditInsert(db, audit),
  ]);
}

/** Deletes the account (profile and roles cascade) and records the deletion, atomically. */
/**
 * The organizations a user is the last owner of while others are still members: deleting the
 * account would leave them without an owner.
 */
const soleOwnerOfOthers = (userId: string) => sql`exists (
  select 1 from organization_members m
  where m.user_id = ${userId} and m.role = 'owner'
    and (select count(*) from organization_members o
         where o.organization_id = m.organization_id and o.role = 'owner') = 1
    and (select count(*) from organization_members a
         where a.organization_id = m.organization_id) > 1)`;

/** Whether deleting the account would leave an organization with members but no owner. */
export async function isSoleOwnerOfOthers(db: Db, userId: string) {
  const rows = await db.all<{ yes: number }>(sql`select ${soleOwnerOfOthers(userId)} as yes`);
  return rows[0]?.yes === 1;
}

/**
 * Deletes a user (profile, roles, memberships by cascade) with its audit entry, unless that
 * would leave an organization with members but no owner: the same condition guards every
 * statement of the batch, so a racing role change cannot slip between check and delete.
 * Organizations the user is the only member of go with them. Returns whether it deleted.
 */
export async function deleteUser(db: Db, userId: string, audit: AuditEntry) {
  const allowed = sql`not ${soleOwnerOfOthers(userId)}`;
  const [, deleted] = await db.batch([
    db.delete(organizations).where(
      and(
        allowed,
        sql`${organizations.id} in (
          select organization_id from organization_members m where m.user_id = ${userId}
            and (select count(*) from organization_members a
                 where a.organization_id = m.organization_id) = 1)`,
      ),
    ),
    db
      .delete(users)
      .where(and(eq(users.id, userId), allowed))
      .returning({ id: users.id }),
    auditInsertIf(db, audit, sql`not exists (select 1 from users where id = ${userId})`),
  ]);
  return deleted.length > 0;
}

/**
 * Applies an RFC 7396 JSON merge patch to the preferences with SQLite's json_patch, in one
 * statement (so concurrent patches cannot lose each other's keys), unless the result would
 * exceed `maxBytes`. Returns the new preferences, or null when the limit refused it.
 */
export async function patchPreferences(
  db: Db,
  userId: string,
  patch: Record<string, unknown>,
  maxBytes: number,
  now: Date,
) {
  const merged = sql`json_patch(${profiles.preferences}, ${JSON.stringify(patch)})`;
  const [row] = await db
    .update(profiles)
    .set({ preferences: merged, updatedAt: now })
    .where(and(eq(profiles.userId, userId), sql`length(cast(${merged} as blob)) <= ${maxBytes}`))
    .returning({ preferences: profiles.preferences });
  return row?.preferences ?? null;
}

/**
 * An account (by email or id) and its role names, in one round trip (a D1 batch): login and
 * refresh need both, and D1 latency, not SQL, is the cost.
 */
export async function findUserWithRoles(db: Db, by: { email: string } | { id: string }) {
  const match = userMatch(by);
  const [found, roleRows] = await db.batch([userSelect(db, match), roleSelect(db, match)]);
  const user = found[0];
  return user ? { user, roles: roleRows.map((r) => r.role).sort() } : null;
}

/**
 * What signing in needs of an account, in one D1 round trip: the user, its role names and its
 * confirmed second factors (oldest first), which decide between tokens and an MFA challenge.
 */
export async function findSignInSubject(db: Db, by: { email: string } | { id: string }) {
  const match = userMatch(by);
  const [found, roleRows, methods] = await db.batch([
    userSelect(db, match),
    roleSelect(db, match),
    db
      .select({ method: mfaMethods })
      .from(mfaMethods)
      .innerJoin(users, eq(users.id, mfaMethods.userId))
      .where(and(match, isNotNull(mfaMethods.confirmedAt)))
      .orderBy(asc(mfaMethods.createdAt), asc(mfaMethods.id)),
  ]);
  const user = found[0];
  if (!user) return null;
  return { user, roles: roleRows.map((r) => r.role).sort(), methods: methods.map((m) => m.method) };
}

const userMatch = (by: { email: string } | { id: string }) =>
  'email' in by ? eq(users.email, by.email) : eq(users.id, by.id);
const userSelect = (db: Db, match: SQL) => db.select().from(users).where(match).limit(1);
const roleSelect = (db: Db, match: SQL) =>
  db
    .select({ role: userRoles.role })
    .from(userRoles)
    .innerJoin(users, eq(users.id, userRoles.userId))
    .where(match);
