import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { passkeys, type Passkey } from '../schema';
import { auditInsertIf, type AuditEntry } from './audit';
import { anotherWayIn } from './ways-in';

/** At most this many passkeys per account (api.md). */
export const MAX_PASSKEYS = 20;

export const listPasskeys = (db: Db, userId: string) =>
  db
    .select()
    .from(passkeys)
    .where(eq(passkeys.userId, userId))
    .orderBy(asc(passkeys.createdAt), asc(passkeys.id));

/** A user's credential ids and transports: what a sign-in or registration names. */
export const passkeyDescriptors = (db: Db, userId: string) =>
  db
    .select({ credentialId: passkeys.credentialId, transports: passkeys.transports })
    .from(passkeys)
    .where(eq(passkeys.userId, userId));

export async function countPasskeys(db: Db, userId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId));
  return row?.n ?? 0;
}

export async function findPasskeyByCredentialId(db: Db, credentialId: string) {
  const [row] = await db
    .select()
    .from(passkeys)
    .where(eq(passkeys.credentialId, credentialId))
    .limit(1);
  return row ?? null;
}

/**
 * Stores a new passkey with its audit entry, unless the account already has MAX_PASSKEYS (the
 * guard is in the INSERT, so parallel registrations cannot pass it together). False when it
 * was refused for the limit; a credential id already stored fails as a unique violation.
 */
export async function insertPasskey(db: Db, p: Passkey, audit: AuditEntry) {
  const below = sql`(select count(*) from ${passkeys} where ${passkeys.userId} = ${p.userId}) < ${MAX_PASSKEYS}`;
  const [, inserted] = await db.batch([
    auditInsertIf(db, audit, below),
    db
      .insert(passkeys)
      .select(
        sql`select ${p.id}, ${p.userId}, ${p.credentialId}, ${p.publicKey}, ${p.counter}, ${JSON.stringify(p.transports)}, ${p.backedUp ? 1 : 0}, ${p.deviceType}, ${p.name}, ${p.createdAt.getTime()}, ${null} where ${below}`,
      )
      .returning({ id: passkeys.id }),
  ]);
  return inserted.length > 0;
}

/**
 * Records a sign-in: the new counter, only if the stored one is still the one checked against
 * (two assertions racing with one counter cannot both move it), and the backup state.
 */
export async function recordPasskeyUse(
  db: Db,
  p: { id: string; counter: number; newCounter: number; backedUp: boolean; now: Date },
) {
  const rows = await db
    .update(passkeys)
    .set({ counter: p.newCounter, backedUp: p.backedUp, lastUsedAt: p.now })
    .where(and(eq(passkeys.id, p.id), eq(passkeys.counter, p.counter)))
    .returning({ id: passkeys.id });
  return rows.length > 0;
}

export async function renamePasskey(db: Db, userId: string, id: string, name: string) {
  const rows = await db
    .update(passkeys)
    .set({ name })
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .returning({ id: passkeys.id });
  return rows.length > 0;
}

/**
 * Deletes a passkey unless it is the account's last way in: the account keeps a password, or
 * another passkey. The guard is in the DELETE, so two parallel removals of an account's last
 * two passkeys cannot both pass. 'gone' when there is no such passkey of the user. An account
 * has a password unless it stores `noPasswordHash` (the domain's marker of a passwordless
 * account, lib/password.ts NO_PASSWORD_HASH).
 */
export async function deletePasskey(
  db: Db,
  userId: string,
  id: string,
  audit: AuditEntry,
  noPasswordHash: string,
): Promise<'deleted' | 'last' | 'gone'> {
  const allowed = anotherWayIn(db, userId, noPasswordHash, { passkeyId: id });
  const mine = and(eq(passkeys.id, id), eq(passkeys.userId, userId))!;
  const [, rows] = await db.batch([
    auditInsertIf(db, audit, and(allowed, sql`exists (select 1 from ${passkeys} where ${mine})`)!),
    db.delete(passkeys).where(and(mine, allowed)).returning({ id: passkeys.id }),
  ]);
  if (rows.length > 0) return 'deleted';
  const [still] = await db.select({ id: passkeys.id }).from(passkeys).where(mine).limit(1);
  return still ? 'last' : 'gone';
}
