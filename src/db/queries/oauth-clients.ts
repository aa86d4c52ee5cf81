import { asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { oauthClients, oauthGrants, type OAuthClient } from '../schema';
import { auditInsert, type AuditEntry } from './audit';

export const findOAuthClient = async (db: Db, id: string) =>
  (await db.select().from(oauthClients).where(eq(oauthClients.id, id)).limit(1))[0] ?? null;

export const listOAuthClients = (db: Db) =>
  db.select().from(oauthClients).orderBy(asc(oauthClients.createdAt), asc(oauthClients.id));

/** A new client with its audit entry, in one batch. */
export async function insertOAuthClient(db: Db, client: OAuthClient, audit: AuditEntry) {
  await db.batch([db.insert(oauthClients).values(client), auditInsert(db, audit)]);
}

/** Applies `changes`; the updated client, or null when there is none with this id. */
export async function updateOAuthClient(
  db: Db,
  id: string,
  changes: Partial<Omit<OAuthClient, 'id' | 'createdAt'>>,
  audit: AuditEntry,
) {
  const [rows] = await db.batch([
    db.update(oauthClients).set(changes).where(eq(oauthClients.id, id)).returning(),
    auditInsert(db, audit),
  ]);
  return rows[0] ?? null;
}

/** The sessions a client's user grants hold (to end them before the client goes). */
export const clientGrantSessions = (db: Db, clientId: string) =>
  db
    .select({ userId: oauthGrants.userId, sessionId: oauthGrants.sessionId })
    .from(oauthGrants)
    .where(eq(oauthGrants.clientId, clientId));

/** Deletes a client (its codes, consents and grants cascade); false when there was none. */
export async function deleteOAuthClient(db: Db, id: string, audit: AuditEntry) {
  const [rows] = await db.batch([
    db.delete(oauthClients).where(eq(oauthClients.id, id)).returning({ id: oauthClients.id }),
    auditInsert(db, audit),
  ]);
  return rows.length > 0;
}
