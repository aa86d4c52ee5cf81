import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Db } from '../client';
import { auditEvents, type AuditAction } from '../schema';

export interface AuditEntry {
  userId: string | null;
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
    id: crypto.randomUUID(),
    userId: e.userId,
    actorId: e.actorId ?? null,
    action: e.action,
    ip: e.ip,
    userAgent: e.userAgent,
    requestId: e.requestId,
    metadata: e.metadata ?? {},
    createdAt: e.at,
  });

/** A page of a user's entries, newest first; `after` is the last entry of the previous page. */
export function listAudit(
  db: Db,
  userId: string,
  limit: number,
  after?: { at: number; id: string },
) {
  const older = after
    ? or(
        lt(auditEvents.createdAt, new Date(after.at)),
        and(eq(auditEvents.createdAt, new Date(after.at)), lt(auditEvents.id, after.id)),
      )
    : undefined;
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.userId, userId), older))
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(limit);
}
