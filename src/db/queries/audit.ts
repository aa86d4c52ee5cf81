import { and, count, desc, eq, gte, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { auditEvents, type AuditAction } from '../schema';
import { olderThan, type Cursor } from './keyset';

export interface AuditEntry {
  /** Set when the entry may be written twice (a redelivered queue message): the second is a no-op. */
  id?: string;
  userId: string | null;
  /** Set on org events, so an organization's activity can be read by its id. */
  organizationId?: string | null;
  actorId?: string | null;
  action: AuditAction;
  ip: string | null;
  userAgent: string | null;
  requestId: string;
  metadata?: Record<string, unknown>;
  at: Date;
}

/** The insert for one entry, to run alone or inside a caller's batch. */
export const auditInsert = (db: Db, e: AuditEntry) =>
  db.insert(auditEvents).values({
    id: e.id ?? crypto.randomUUID(),
    userId: e.userId,
    organizationId: e.organizationId ?? null,
    actorId: e.actorId ?? null,
    action: e.action,
    ip: e.ip,
    userAgent: e.userAgent,
    requestId: e.requestId,
    metadata: e.metadata ?? {},
    createdAt: e.at,
  });

/** The insert of an entry with an id, once: a known id changes nothing (at-least-once queues). */
export const auditInsertOnce = (db: Db, e: AuditEntry & { id: string }) =>
  auditInsert(db, e).onConflictDoNothing({ target: auditEvents.id });

/** Entries with ids, in one batch: the fallback when the analytics queue refuses them. */
export async function insertAuditEntries(db: Db, entries: (AuditEntry & { id: string })[]) {
  const [first, ...rest] = entries.map((e) => auditInsertOnce(db, e));
  if (first) await db.batch([first, ...rest]);
}

/**
 * The insert for one entry that happens only if `condition` holds when it runs: placed in a
 * batch before a conditional write with the same condition, the entry exists exactly when the
 * write happened (D1 has no BEGIN, so the batch is the transaction and cannot branch).
 */
export const auditInsertIf = (db: Db, e: AuditEntry, condition: SQL) =>
  db.insert(auditEvents).select(
    // INSERT … SELECT fills every column in the table's declared order (schema/audit.ts).
    sql`select ${crypto.randomUUID()}, ${e.userId}, ${e.organizationId ?? null}, ${e.actorId ?? null}, ${e.action}, ${e.ip}, ${e.userAgent}, ${e.requestId}, ${JSON.stringify(e.metadata ?? {})}, ${e.at.getTime()} where ${condition}`,
  );

/** A page of a user's entries, newest first; `after` is the last entry of the previous page. */
export function listAudit(db: Db, userId: string, limit: number, after?: Cursor) {
  return db
    .select()
    .from(auditEvents)
    .where(
      and(eq(auditEvents.userId, userId), olderThan(auditEvents.createdAt, auditEvents.id, after)),
    )
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(limit);
}

/** How many entries of `action` a user has since `since`, and when the latest of `latest` was. */
export async function auditSummary(
  db: Db,
  userId: string,
  counted: AuditAction,
  since: Date,
  latest: AuditAction,
) {
  const [[counts], [last]] = await Promise.all([
    db
      .select({ n: count() })
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.userId, userId),
          eq(auditEvents.action, counted),
          gte(auditEvents.createdAt, since),
        ),
      ),
    db
      .select({ at: auditEvents.createdAt })
      .from(auditEvents)
      .where(and(eq(auditEvents.userId, userId), eq(auditEvents.action, latest)))
      .orderBy(desc(auditEvents.createdAt))
      .limit(1),
  ]);
  return { count: counts?.n ?? 0, latestAt: last?.at ?? null };
}
