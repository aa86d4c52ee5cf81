import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { emailSignIns, mfaBackupCodes, mfaMethods, users, type EmailSignIn } from '../schema';

export type NewEmailSignIn = Omit<EmailSignIn, 'tries' | 'usedAt'>;

/** Stores a pending sign-in, replacing the address's previous one (its link and code die). */
export async function putEmailSignIn(db: Db, row: NewEmailSignIn) {
  const fresh = { ...row, tries: 0, usedAt: null };
  await db
    .insert(emailSignIns)
    .values(fresh)
    .onConflictDoUpdate({ target: emailSignIns.email, set: fresh });
}

const live = (now: Date) => and(isNull(emailSignIns.usedAt), gt(emailSignIns.expiresAt, now));

/** The pending sign-in a link names, without using it up (the confirm page's GET). */
export async function peekEmailSignIn(db: Db, tokenHash: string, now: Date) {
  const [row] = await db
    .select()
    .from(emailSignIns)
    .where(and(eq(emailSignIns.tokenHash, tokenHash), live(now)))
    .limit(1);
  return row ?? null;
}

/**
 * Uses a link up: one guarded UPDATE, so of two parallel uses exactly one gets the row back.
 */
export async function takeEmailSignInByLink(db: Db, tokenHash: string, now: Date) {
  const [row] = await db
    .update(emailSignIns)
    .set({ usedAt: now })
    .where(and(eq(emailSignIns.tokenHash, tokenHash), live(now)))
    .returning();
  return row ?? null;
}

/**
 * Tries a code in one UPDATE: the right code uses the sign-in up, a wrong one counts a try;
 * once `maxTries` wrong codes were counted nothing matches any more. SQLite runs the statement
 * alone, so of parallel tries of the right code exactly one sees `used_at` set by itself.
 * `ok` with the row, `wrong`, or `none` (no live sign-in for the address).
 */
export async function tryEmailSignInCode(
  db: Db,
  t: { email: string; codeHash: string; maxTries: number; now: Date },
): Promise<{ outcome: 'ok'; row: EmailSignIn } | { outcome: 'wrong' | 'none' }> {
  const right = sql`${emailSignIns.codeHash} = ${t.codeHash}`;
  const [row] = await db
    .update(emailSignIns)
    .set({
      tries: sql`CASE WHEN ${right} THEN ${emailSignIns.tries} ELSE ${emailSignIns.tries} + 1 END`,
      usedAt: sql`CASE WHEN ${right} THEN ${t.now.getTime()} ELSE NULL END`,
    })
    .where(and(eq(emailSignIns.email, t.email), live(t.now), lt(emailSignIns.tries, t.maxTries)))
    .returning();
  if (!row) return { outcome: 'none' };
  return row.usedAt ? { outcome: 'ok', row } : { outcome: 'wrong' };
}

/**
 * The first proof of an unverified account's mailbox by an email sign-in (security.md
 * "Deployment and privileges", pre-hijacking): whoever registered the address first may have
 * chosen its password and enrolled its second factors, so they go as the address is verified,
 * in one batch guarded by the account still being unverified. Returns whether it applied.
 */
export async function proveMailbox(db: Db, userId: string, noPassword: string, now: Date) {
  // Raw names: inside a DELETE on another table, drizzle would leave `id` unqualified.
  const unverified = sql`exists (select 1 from users u where u.id = ${userId} and u.email_verified_at is null)`;
  const [, , updated] = await db.batch([
    db.delete(mfaMethods).where(and(eq(mfaMethods.userId, userId), unverified)),
    db.delete(mfaBackupCodes).where(and(eq(mfaBackupCodes.userId, userId), unverified)),
    db
      .update(users)
      .set({ emailVerifiedAt: now, passwordHash: noPassword, updatedAt: now })
      .where(and(eq(users.id, userId), isNull(users.emailVerifiedAt)))
      .returning({ id: users.id }),
  ]);
  return updated.length > 0;
}
