import { and, asc, eq, inArray, isNotNull, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../client';
import { mfaBackupCodes, mfaMethods, type MfaType } from '../schema';
import { auditInsert, type AuditEntry } from './audit';

/** Stores a new, unconfirmed method; the user's earlier unconfirmed ones of the type go. */
export async function insertMfaMethod(
  db: Db,
  m: {
    id: string;
    userId: string;
    type: MfaType;
    now: Date;
    /** TOTP: the sealed secret. */
    secretEnc?: string;
    /** Email/SMS: where codes go. */
    destination?: string;
  },
) {
  await db.batch([
    db
      .delete(mfaMethods)
      .where(
        and(
          eq(mfaMethods.userId, m.userId),
          eq(mfaMethods.type, m.type),
          isNull(mfaMethods.confirmedAt),
        ),
      ),
    db.insert(mfaMethods).values({
      id: m.id,
      userId: m.userId,
      type: m.type,
      secretEnc: m.secretEnc ?? null,
      destination: m.destination ?? null,
      createdAt: m.now,
    }),
  ]);
}

/** One method of a user (confirmed or not). */
export const findMfaMethod = (db: Db, userId: string, id: string) =>
  db.query.mfaMethods.findFirst({
    where: and(eq(mfaMethods.userId, userId), eq(mfaMethods.id, id)),
  });

/** A user's methods, oldest first; `confirmedOnly` for those that count at login. */
export const listMfaMethods = (db: Db, userId: string, confirmedOnly = false) =>
  db
    .select()
    .from(mfaMethods)
    .where(
      and(
        eq(mfaMethods.userId, userId),
        confirmedOnly ? isNotNull(mfaMethods.confirmedAt) : undefined,
      ),
    )
    .orderBy(asc(mfaMethods.createdAt), asc(mfaMethods.id));

/**
 * Moves a TOTP method's last used step forward to `step`, and confirms it if it was not: a
 * single guarded UPDATE, so of two requests with the same (or an older) step only one wins.
 * Returns whether this call did, and whether it confirmed the method.
 */
export async function advanceTotpStep(db: Db, id: string, step: number, now: Date) {
  const [row] = await db
    .update(mfaMethods)
    .set({ lastUsedStep: step, lastUsedAt: now })
    .where(
      and(
        eq(mfaMethods.id, id),
        or(isNull(mfaMethods.lastUsedStep), lt(mfaMethods.lastUsedStep, step)),
      ),
    )
    .returning({ confirmedAt: mfaMethods.confirmedAt });
  return row ?? null;
}

/** Confirms a method (its first good code) with its audit entry; true if this call did. */
export async function confirmMfaMethod(db: Db, id: string, now: Date, audit: AuditEntry) {
  const [rows] = await db.batch([
    db
      .update(mfaMethods)
      .set({ confirmedAt: now })
      .where(and(eq(mfaMethods.id, id), isNull(mfaMethods.confirmedAt)))
      .returning({ id: mfaMethods.id }),
    auditInsert(db, audit),
  ]);
  return rows.length > 0;
}

/** Deletes a method; when it was the last confirmed one, the backup codes go with it. */
export async function deleteMfaMethod(db: Db, userId: string, id: string, audit: AuditEntry) {
  const [rows] = await db.batch([
    db
      .delete(mfaMethods)
      .where(and(eq(mfaMethods.userId, userId), eq(mfaMethods.id, id)))
      .returning({ id: mfaMethods.id }),
    auditInsert(db, audit),
  ]);
  if (rows.length === 0) return false;
  const left = await listMfaMethods(db, userId, true);
  if (left.length === 0) await db.delete(mfaBackupCodes).where(eq(mfaBackupCodes.userId, userId));
  return true;
}

/** Replaces the user's backup codes with `hashes` in one batch: old codes are dead at once. */
export async function replaceBackupCodes(db: Db, userId: string, hashes: string[], now: Date) {
  await db.batch([
    db.delete(mfaBackupCodes).where(eq(mfaBackupCodes.userId, userId)),
    db
      .insert(mfaBackupCodes)
      .values(
        hashes.map((codeHash) => ({ id: crypto.randomUUID(), userId, codeHash, createdAt: now })),
      ),
  ]);
}

/**
 * Uses up one backup code, stored under one of `codeHashes` (its current and its older form):
 * a single guarded UPDATE, so of parallel redemptions of one code exactly one gets a row back.
 */
export async function redeemBackupCode(db: Db, userId: string, codeHashes: string[], now: Date) {
  const rows = await db
    .update(mfaBackupCodes)
    .set({ usedAt: now })
    .where(
      and(
        eq(mfaBackupCodes.userId, userId),
        inArray(mfaBackupCodes.codeHash, codeHashes),
        isNull(mfaBackupCodes.usedAt),
      ),
    )
    .returning({ id: mfaBackupCodes.id });
  return rows.length > 0;
}

/** Records that an email/SMS method just passed a login (TOTP records it with its step). */
export const markMfaMethodUsed = (db: Db, id: string, now: Date) =>
  db.update(mfaMethods).set({ lastUsedAt: now }).where(eq(mfaMethods.id, id));

/** Every method and backup code of a user, gone with the audit entry in one batch. */
export async function deleteAllMfa(db: Db, userId: string, audit: AuditEntry) {
  await db.batch([
    db.delete(mfaMethods).where(eq(mfaMethods.userId, userId)),
    db.delete(mfaBackupCodes).where(eq(mfaBackupCodes.userId, userId)),
    auditInsert(db, audit),
  ]);
}
