import { and, count, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../client';
import {
  analyticsEventHourly,
  auditEvents,
  organizationMembers as members,
  organizations,
  users,
  type AuditAction,
} from '../schema';
import { olderThan, type Cursor } from './keyset';

// The admin console's reads (routes/console through domain/console.ts): lists across every
// user, organization and audit entry, each newest first by (created_at, id) and paged by keyset,
// so a page costs the same however deep it is.

type Page = { limit: number; after?: Cursor };

/**
 * Users whose email contains `q` as typed: instr() compares characters, so `%`, `_`, quotes or
 * markup in a search are matched literally (a LIKE pattern would treat them as wildcards).
 */
export function searchUsers(db: Db, q: string, page: Page) {
  const matches = q ? sql`instr(lower(${users.email}), lower(${q})) > 0` : undefined;
  return db
    .select({
      id: users.id,
      email: users.email,
      status: users.status,
      emailVerifiedAt: users.emailVerifiedAt,
      createdAt: users.createdAt,
    })
    .from(users)
    .where(and(matches, olderThan(users.createdAt, users.id, page.after)))
    .orderBy(desc(users.createdAt), desc(users.id))
    .limit(page.limit);
}

/** Organizations with their member counts, newest first. */
export function listOrganizations(db: Db, page: Page) {
  return db
    .select({
      id: organizations.id,
      name: organizations.name,
      slug: organizations.slug,
      tier: organizations.tier,
      createdAt: organizations.createdAt,
      members: sql<number>`(select count(*) from ${members} where ${members.organizationId} = ${organizations.id})`,
    })
    .from(organizations)
    .where(olderThan(organizations.createdAt, organizations.id, page.after))
    .orderBy(desc(organizations.createdAt), desc(organizations.id))
    .limit(page.limit);
}

export interface AuditFilter {
  userId?: string;
  actorId?: string;
  action?: AuditAction;
  /** ms, inclusive */
  from?: number;
  /** ms, exclusive */
  to?: number;
}

/** A page of the whole audit log (or the entries `filter` keeps), newest first. */
export function auditLogPage(db: Db, filter: AuditFilter, page: Page) {
  const t = auditEvents;
  return db
    .select()
    .from(t)
    .where(
      and(
        filter.userId === undefined ? undefined : eq(t.userId, filter.userId),
        filter.actorId === undefined ? undefined : eq(t.actorId, filter.actorId),
        filter.action === undefined ? undefined : eq(t.action, filter.action),
        filter.from === undefined ? undefined : gte(t.createdAt, new Date(filter.from)),
        filter.to === undefined ? undefined : lt(t.createdAt, new Date(filter.to)),
        olderThan(t.createdAt, t.id, page.after),
      ),
    )
    .orderBy(desc(t.createdAt), desc(t.id))
    .limit(page.limit);
}

/** Per bucket (`bucketMs`: an hour or a day) and event type, from the hourly rollups. */
export function eventSeries(db: Db, types: string[], since: number, bucketMs: number) {
  const e = analyticsEventHourly;
  const bucket = sql<number>`${e.hour} - (${e.hour} % ${bucketMs})`;
  return db
    .select({ bucket, type: e.eventType, n: sql<number>`sum(${e.count})` })
    .from(e)
    .where(and(inArray(e.eventType, types), gte(e.hour, since - (since % bucketMs))))
    .groupBy(bucket, e.eventType);
}

/** Event counts by type since `since`, from the hourly rollups, largest first. */
export function eventsByType(db: Db, since: number) {
  const e = analyticsEventHourly;
  const n = sql<number>`sum(${e.count})`;
  return db
    .select({ type: e.eventType, n })
    .from(e)
    .where(gte(e.hour, since))
    .groupBy(e.eventType)
    .orderBy(desc(n), e.eventType);
}

/** How many accounts exist and how many are suspended. */
export async function userCounts(db: Db) {
  const [total, suspended] = await db.batch([
    db.select({ n: count() }).from(users),
    db.select({ n: count() }).from(users).where(eq(users.status, 'suspended')),
  ]);
  return { total: total[0]?.n ?? 0, suspended: suspended[0]?.n ?? 0 };
}
