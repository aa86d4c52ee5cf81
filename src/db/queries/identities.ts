import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import {
  identities,
  mfaBackupCodes,
  mfaMethods,
  passkeys,
  profiles,
  userRoles,
  users,
  type Identity,
} from '../schema';
import { auditInsert, auditInsertIf, type AuditEntry } from './audit';
import { uniqueViolation } from './unique-violation';
import { anotherWayIn } from './ways-in';

type NewIdentity = Omit<Identity, 'createdAt'>;

/** The identity a provider's subject names, if one is linked. */
export async function findIdentity(db: Db, provider: string, subject: string) {
  const [row] = await db
    .select()
    .from(identities)
    .where(and(eq(identities.provider, provider), eq(identities.subject, subject)))
    .limit(1);
  return row ?? null;
}

export const listIdentities = (db: Db, userId: string) =>
  db
    .select()
    .from(identities)
    .where(eq(identities.userId, userId))
    .orderBy(asc(identities.createdAt), asc(identities.id));

const taken = (err: unknown) => {
  const column = uniqueViolation(err);
  if (column === 'users.email') return 'email' as const;
  if (column?.startsWith('identities.')) return 'identity' as const;
  throw err;
};

/**
 * An account made by a provider's sign-in, with its profile, role, identity and audit entry in
 * one batch. `passwordHash` is the no-password marker: the reset flow can set one.
 */
export async function createFederatedUser(
  db: Db,
  user: { id: string; email: string; passwordHash: string; emailVerifiedAt: Date | null },
  identity: NewIdentity,
  audit: AuditEntry,
): Promise<{ ok: true } | { ok: false; conflict: 'email' | 'identity' }> {
  const at = audit.at;
  try {
    await db.batch([
      db.insert(users).values({ ...user, createdAt: at, updatedAt: at }),
      db.insert(profiles).values({ userId: user.id, updatedAt: at }),
      db.insert(userRoles).values({ userId: user.id, role: 'user', createdAt: at }),
      db.insert(identities).values({ ...identity, createdAt: at }),
      auditInsert(db, audit),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, conflict: taken(err) };
  }
}

/**
 * Links an identity to an existing account. With `proveMailbox` (the provider vouched for the
 * address of an account that never proved it) whatever the first registrant set up goes in the
 * same batch: password, second factors, passkeys; the caller ends its sessions.
 */
export async function linkIdentity(
  db: Db,
  input: { identity: NewIdentity; proveMailbox: boolean; noPasswordHash: string },
  audit: AuditEntry,
): Promise<{ ok: true } | { ok: false; conflict: 'email' | 'identity' }> {
  const { identity, noPasswordHash } = input;
  const at = audit.at;
  const userId = identity.userId;
  // Raw names: inside a DELETE on another table, drizzle would leave `id` unqualified.
  const unverified = sql`exists (select 1 from users u where u.id = ${userId} and u.email_verified_at is null)`;
  const proving = input.proveMailbox
    ? [
        db.delete(mfaMethods).where(and(eq(mfaMethods.userId, userId), unverified)),
        db.delete(mfaBackupCodes).where(and(eq(mfaBackupCodes.userId, userId), unverified)),
        db.delete(passkeys).where(and(eq(passkeys.userId, userId), unverified)),
        db
          .update(users)
          .set({ emailVerifiedAt: at, passwordHash: noPasswordHash, updatedAt: at })
          .where(and(eq(users.id, userId), isNull(users.emailVerifiedAt))),
      ]
    : [];
  try {
    await db.batch([
      db.insert(identities).values({ ...identity, createdAt: at }),
      ...proving,
      auditInsert(db, audit),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, conflict: taken(err) };
  }
}

/**
 * Unlinks an identity unless it is the account's last way in: a password, a passkey or another
 * identity must remain (checked in the DELETE itself, so two parallel unlinks cannot both pass).
 */
export async function deleteIdentity(
  db: Db,
  userId: string,
  id: string,
  audit: AuditEntry,
  noPasswordHash: string,
): Promise<'deleted' | 'last' | 'gone'> {
  const allowed = anotherWayIn(db, userId, noPasswordHash, { identityId: id });
  const mine = and(eq(identities.id, id), eq(identities.userId, userId))!;
  const [, rows] = await db.batch([
    auditInsertIf(
      db,
      audit,
      and(allowed, sql`exists (select 1 from ${identities} where ${mine})`)!,
    ),
    db.delete(identities).where(and(mine, allowed)).returning({ id: identities.id }),
  ]);
  if (rows.length > 0) return 'deleted';
  const [still] = await db.select({ id: identities.id }).from(identities).where(mine).limit(1);
  return still ? 'last' : 'gone';
}
