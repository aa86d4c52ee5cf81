import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../client';
import {
  oauthClients,
  oauthCodes,
  oauthConsents,
  oauthGrants,
  organizationMembers,
  type OAuthCode,
  type OAuthGrant,
} from '../schema';
import { auditInsert, type AuditEntry } from './audit';

// The identity provider's codes, consents and grants (db/schema/oauth-provider.ts).

/** Stores a code; expired ones are swept in the same batch (they are never usable again). */
export async function insertCode(db: Db, code: OAuthCode) {
  await db.batch([
    db.insert(oauthCodes).values(code),
    db.delete(oauthCodes).where(lt(oauthCodes.expiresAt, code.expiresAt - 3_600_000)),
  ]);
}

/**
 * Takes a code: one conditional UPDATE ... RETURNING, so of two requests with the same code
 * exactly one gets the row. Null: unknown, or already taken (`findCode` tells which).
 */
export async function takeCode(db: Db, codeHash: string, now: number) {
  const [row] = await db
    .update(oauthCodes)
    .set({ usedAt: now })
    .where(and(eq(oauthCodes.codeHash, codeHash), isNull(oauthCodes.usedAt)))
    .returning();
  return row ?? null;
}

export const findCode = async (db: Db, codeHash: string) =>
  (await db.select().from(oauthCodes).where(eq(oauthCodes.codeHash, codeHash)).limit(1))[0] ?? null;

export const findConsent = async (db: Db, userId: string, clientId: string) =>
  (
    await db
      .select()
      .from(oauthConsents)
      .where(and(eq(oauthConsents.userId, userId), eq(oauthConsents.clientId, clientId)))
      .limit(1)
  )[0] ?? null;

/** Remembers what the user granted the client (the scopes replace earlier ones), audited. */
export async function upsertConsent(
  db: Db,
  consent: { userId: string; clientId: string; scopes: string[]; now: Date },
  audit: AuditEntry,
) {
  const { userId, clientId, scopes, now } = consent;
  await db.batch([
    db
      .insert(oauthConsents)
      .values({ userId, clientId, scopes, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: [oauthConsents.userId, oauthConsents.clientId],
        set: { scopes, updatedAt: now },
      }),
    auditInsert(db, audit),
  ]);
}

/** A user's consents with their clients' names, newest first. */
export const listConsents = (db: Db, userId: string) =>
  db
    .select({
      clientId: oauthConsents.clientId,
      clientName: oauthClients.name,
      logoUri: oauthClients.logoUri,
      scopes: oauthConsents.scopes,
      createdAt: oauthConsents.createdAt,
      updatedAt: oauthConsents.updatedAt,
    })
    .from(oauthConsents)
    .innerJoin(oauthClients, eq(oauthClients.id, oauthConsents.clientId))
    .where(eq(oauthConsents.userId, userId))
    .orderBy(sql`${oauthConsents.updatedAt} desc`);

/**
 * Withdraws a consent and marks the user's grants to that client revoked, in one batch; the
 * grants' sessions (returned) are ended by the caller. False when there was no consent.
 */
export async function withdrawConsent(
  db: Db,
  userId: string,
  clientId: string,
  now: number,
  audit: AuditEntry,
) {
  const [deleted, revoked] = await db.batch([
    db
      .delete(oauthConsents)
      .where(and(eq(oauthConsents.userId, userId), eq(oauthConsents.clientId, clientId)))
      .returning({ clientId: oauthConsents.clientId }),
    db
      .update(oauthGrants)
      .set({ revokedAt: now })
      .where(and(eq(oauthGrants.userId, userId), eq(oauthGrants.clientId, clientId)))
      .returning({ sessionId: oauthGrants.sessionId }),
    auditInsert(db, audit),
  ]);
  return { found: deleted.length > 0, sessionIds: revoked.map((r) => r.sessionId) };
}

export async function insertGrant(db: Db, grant: OAuthGrant) {
  await db.insert(oauthGrants).values(grant);
}

export const findGrant = async (db: Db, id: string) =>
  (await db.select().from(oauthGrants).where(eq(oauthGrants.id, id)).limit(1))[0] ?? null;

export const findGrantBySession = async (db: Db, sessionId: string) =>
  (await db.select().from(oauthGrants).where(eq(oauthGrants.sessionId, sessionId)).limit(1))[0] ??
  null;

/** Marks a grant revoked (idempotent); the grant as it was, or null when unknown. */
export async function revokeGrant(db: Db, id: string, now: number) {
  const [row] = await db
    .update(oauthGrants)
    .set({ revokedAt: now })
    .where(and(eq(oauthGrants.id, id), isNull(oauthGrants.revokedAt)))
    .returning();
  return row ?? null;
}

/** The `organizations` claim: the user's memberships. */
export const membershipsOf = (db: Db, userId: string) =>
  db
    .select({ id: organizationMembers.organizationId, role: organizationMembers.role })
    .from(organizationMembers)
    .where(eq(organizationMembers.userId, userId));
