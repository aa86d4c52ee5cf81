import { and, eq, exists, gt, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Db } from '../client';
import {
  mfaBackupCodes,
  mfaMethods,
  passkeys,
  oneTimeTokens,
  userRoles,
  users,
  type TokenPurpose,
} from '../schema';
import { auditInsert, type AuditEntry } from './audit';

/**
 * Stores a new token. Older tokens of the purpose stay valid until `supersedeOneTimeTokens`
 * runs after the new one was actually sent, so an undelivered email never kills a good link.
 */
export async function issueOneTimeToken(db: Db, t: NewOneTimeToken) {
  await oneTimeTokenInsert(db, t);
}

export interface NewOneTimeToken {
  userId: string;
  purpose: TokenPurpose;
  tokenHash: string;
  ttlMs: number;
  now: Date;
}

/** The INSERT of a new token, for a caller's own batch (a new account's first link). */
export const oneTimeTokenInsert = (db: Db, t: NewOneTimeToken) =>
  db.insert(oneTimeTokens).values({
    id: crypto.randomUUID(),
    userId: t.userId,
    purpose: t.purpose,
    tokenHash: t.tokenHash,
    expiresAt: new Date(t.now.getTime() + t.ttlMs),
    createdAt: t.now,
  });

/** Deletes the user's other tokens of a purpose: the newest delivered link wins. */
export async function supersedeOneTimeTokens(
  db: Db,
  userId: string,
  purpose: TokenPurpose,
  keepHash: string,
) {
  await db
    .delete(oneTimeTokens)
    .where(
      and(
        eq(oneTimeTokens.userId, userId),
        eq(oneTimeTokens.purpose, purpose),
        ne(oneTimeTokens.tokenHash, keepHash),
      ),
    );
}

const usable = (purpose: TokenPurpose | TokenPurpose[], tokenHash: string, now: Date) =>
  and(
    eq(oneTimeTokens.tokenHash, tokenHash),
    Array.isArray(purpose)
      ? inArray(oneTimeTokens.purpose, purpose)
      : eq(oneTimeTokens.purpose, purpose),
    isNull(oneTimeTokens.usedAt),
    gt(oneTimeTokens.expiresAt, now),
  );

/** The user and purpose of a live, unused token of one of `purposes`, without using it up. */
export async function peekOneTimeToken(
  db: Db,
  purposes: TokenPurpose[],
  tokenHash: string,
  now: Date,
) {
  const [row] = await db
    .select({ userId: oneTimeTokens.userId, purpose: oneTimeTokens.purpose })
    .from(oneTimeTokens)
    .where(usable(purposes, tokenHash, now))
    .limit(1);
  return row ?? null;
}

/**
 * Uses a token up and applies `change` to the user in one transaction. The change is guarded
 * by the token carrying this redemption's random marker, so of two concurrent redemptions
 * exactly one changes anything. Returns whether this redemption won.
 */
export async function redeemOneTimeToken(
  db: Db,
  r: {
    purpose: TokenPurpose;
    tokenHash: string;
    userId: string;
    change: Partial<typeof users.$inferInsert>;
    /** Roles the redemption grants, under the same guard as the change. */
    grantRoles?: string[];
    /** Other purposes whose outstanding tokens die with this one (a reset kills reset links). */
    alsoRevoke?: TokenPurpose[];
    /**
     * The redemption is the first proof of the mailbox (a reset of a never verified account):
     * the second factors and passkeys someone else may have enrolled go, under the same guard.
     */
    clearSecondFactors?: boolean;
  },
  audit: AuditEntry,
): Promise<boolean> {
  const now = audit.at;
  const redemption = crypto.randomUUID();
  const won = exists(
    db
      .select({ id: oneTimeTokens.id })
      .from(oneTimeTokens)
      .where(
        and(eq(oneTimeTokens.tokenHash, r.tokenHash), eq(oneTimeTokens.redemption, redemption)),
      ),
  );
  const use = db
    .update(oneTimeTokens)
    .set({ usedAt: now, redemption })
    .where(usable(r.purpose, r.tokenHash, now))
    .returning({ id: oneTimeTokens.id });
  const guarded: BatchItem<'sqlite'>[] = [
    db
      .update(users)
      .set({ ...r.change, updatedAt: now })
      .where(and(eq(users.id, r.userId), won)),
    ...(r.grantRoles ?? []).map((role) =>
      db
        .insert(userRoles)
        .select(
          db
            .select({
              userId: sql`${r.userId}`.as('user_id'),
              role: sql`${role}`.as('role'),
              createdAt: sql`${now.getTime()}`.as('created_at'),
            })
            .from(oneTimeTokens)
            .where(
              and(
                eq(oneTimeTokens.tokenHash, r.tokenHash),
                eq(oneTimeTokens.redemption, redemption),
              ),
            ),
        )
        .onConflictDoNothing(),
    ),
    ...(r.clearSecondFactors
      ? [
          db.delete(mfaMethods).where(and(eq(mfaMethods.userId, r.userId), won)),
          db.delete(mfaBackupCodes).where(and(eq(mfaBackupCodes.userId, r.userId), won)),
          db.delete(passkeys).where(and(eq(passkeys.userId, r.userId), won)),
        ]
      : []),
    // Every other token of the same purpose dies with this one.
    revokeOneTimeTokens(db, r.userId, [r.purpose, ...(r.alsoRevoke ?? [])]),
  ];
  // The token's UPDATE first: the guarded statements after it see its redemption marker.
  const [used] = await db.batch([use, ...guarded]);
  const winner = used.length > 0;
  // Only the winning redemption is audited (a separate write: the batch cannot be conditional).
  if (winner) await auditInsert(db, audit);
  return winner;
}

/**
 * The DELETE of every outstanding token of `purposes`, for a caller's batch: a reset kills the
 * other reset links, and a password change kills them too (users.ts changePassword).
 */
export const revokeOneTimeTokens = (db: Db, userId: string, purposes: TokenPurpose[]) =>
  db
    .delete(oneTimeTokens)
    .where(
      and(
        eq(oneTimeTokens.userId, userId),
        inArray(oneTimeTokens.purpose, purposes),
        isNull(oneTimeTokens.usedAt),
      ),
    );
