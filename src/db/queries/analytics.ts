import { and, count, desc, eq, gte, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import { rawBatch, type Db, type RawStatement } from '../client';
import { auditInsertOnce, type AuditEntry } from './audit';
import {
  analyticsCostHourly,
  analyticsCounters,
  analyticsDeadLetters,
  analyticsEventHourly,
  analyticsEvents,
  analyticsMetricHourly,
  users,
} from '../schema';

export type RawEvent = typeof analyticsEvents.$inferInsert;
/** An activity entry a service reported, keyed by its event id (a redelivery adds none). */
export type DeadLetter = typeof analyticsDeadLetters.$inferInsert;

const HOUR_MS = 3_600_000;

const HOUR = `occurred_at - (occurred_at % ${HOUR_MS})`;

// The rollups as SQL text: INSERT … SELECT … ON CONFLICT has no drizzle builder, and drizzle's
// D1 batch cannot carry raw SQL, so this batch goes through rawBatch (the SELECTs carry a WHERE,
// which SQLite needs to parse them).
const ROLLUP_EVENTS = `
  insert into analytics_event_hourly (hour, event_type, user_id, org_id, count)
  select ${HOUR}, name, coalesce(user_id, ''), coalesce(org_id, ''), count(*)
  from analytics_events where pending_batch = ?1 and kind = 'event'
  group by 1, 2, 3, 4
  on conflict (hour, event_type, user_id, org_id)
  do update set count = analytics_event_hourly.count + excluded.count`;
const ROLLUP_METRICS = `
  insert into analytics_metric_hourly (hour, name, labels, count, sum, min, max)
  select ${HOUR}, name, labels, count(*), total(value), min(value), max(value)
  from analytics_events where pending_batch = ?1 and kind = 'metric'
  group by 1, 2, 3
  on conflict (name, labels, hour) do update set
    count = analytics_metric_hourly.count + excluded.count,
    sum = analytics_metric_hourly.sum + excluded.sum,
    min = min(analytics_metric_hourly.min, excluded.min),
    max = max(analytics_metric_hourly.max, excluded.max)`;
const ROLLUP_COSTS = `
  insert into analytics_cost_hourly (hour, service, model, user_id, org_id, count, cost_usd)
  select ${HOUR}, coalesce(service, ''), coalesce(json_extract(labels, '$.model'), ''),
    coalesce(user_id, ''), coalesce(org_id, ''), count(*), total(cost_usd)
  from analytics_events where pending_batch = ?1 and kind = 'metric'
  group by 1, 2, 3, 4, 5
  on conflict (hour, service, model, user_id, org_id) do update set
    count = analytics_cost_hourly.count + excluded.count,
    cost_usd = analytics_cost_hourly.cost_usd + excluded.cost_usd`;
const CLEAR_PENDING = 'update analytics_events set pending_batch = null where pending_batch = ?1';

/** A drizzle query as a raw statement, to run in one batch with the SQL above. */
const statement = (query: { toSQL(): { sql: string; params: unknown[] } }): RawStatement => {
  const { sql: text, params } = query.toSQL();
  return { sql: text, params };
};

/**
 * One consumer batch, atomically: the raw rows (a known event id changes nothing), then the
 * three hourly rollups computed from exactly the rows this batch inserted (`pending_batch`),
 * then the mark cleared. The batch is one transaction on D1 and on libSQL (db/client.ts
 * rawBatch), so a failure leaves no rollup counted without its raw row, and a redelivered
 * message is never counted twice. Activity entries go to the audit trail in the same batch.
 */
export async function aggregateBatch(
  db: Db,
  batchId: string,
  rows: RawEvent[],
  rejected: number,
  audit: (AuditEntry & { id: string })[] = [],
) {
  await rawBatch(db, [
    // The audit rows the events carry (domain/events.ts): one write per queue batch, not one
    // per request, and committed with the events' rows or not at all.
    ...audit.map((e) => statement(auditInsertOnce(db, e))),
    ...rows.map((row) =>
      statement(
        db
          .insert(analyticsEvents)
          .values({ ...row, pendingBatch: batchId })
          .onConflictDoNothing({ target: analyticsEvents.eventId }),
      ),
    ),
    ...[ROLLUP_EVENTS, ROLLUP_METRICS, ROLLUP_COSTS, CLEAR_PENDING].map((text) => ({
      sql: text,
      params: [batchId],
    })),
    ...(rejected > 0 ? [statement(bumpCounter(db, 'rejected', rejected))] : []),
  ]);
}

/** Adds `by` to a pipeline counter (created at 0). */
export const bumpCounter = (db: Db, name: string, by: number) =>
  db
    .insert(analyticsCounters)
    .values({ name, value: by })
    .onConflictDoUpdate({
      target: analyticsCounters.name,
      set: { value: sql`${analyticsCounters.value} + excluded.value` },
    });

export async function readCounters(db: Db): Promise<Record<string, number>> {
  const rows = await db.select().from(analyticsCounters);
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}

/** Dead letters, once each (a redelivered dead letter keeps its first record). */
export async function recordDeadLetters(db: Db, rows: DeadLetter[]) {
  if (rows.length === 0) return;
  const [first, ...rest] = rows.map((row) =>
    db.insert(analyticsDeadLetters).values(row).onConflictDoNothing(),
  );
  await db.batch([first!, ...rest, bumpCounter(db, 'dead_lettered', rows.length)]);
}

export interface MetricQuery {
  name: string;
  from: number;
  to: number;
  bucketMs: number;
  labels: Record<string, string>;
}

/** A metric's hourly rollups merged into buckets of `bucketMs` (hour or day, UTC). */
export function metricSeries(db: Db, q: MetricQuery) {
  const t = sql<number>`${analyticsMetricHourly.hour} - (${analyticsMetricHourly.hour} % ${q.bucketMs})`;
  const labelFilters = Object.entries(q.labels).map(
    ([key, value]) => sql`json_extract(${analyticsMetricHourly.labels}, ${`$.${key}`}) = ${value}`,
  );
  return db
    .select({
      t,
      count: sql<number>`sum(${analyticsMetricHourly.count})`,
      sum: sql<number>`total(${analyticsMetricHourly.sum})`,
      min: sql<number>`min(${analyticsMetricHourly.min})`,
      max: sql<number>`max(${analyticsMetricHourly.max})`,
    })
    .from(analyticsMetricHourly)
    .where(
      and(
        eq(analyticsMetricHourly.name, q.name),
        gte(analyticsMetricHourly.hour, q.from - (q.from % HOUR_MS)),
        lt(analyticsMetricHourly.hour, q.to),
        ...labelFilters,
      ),
    )
    .groupBy(t)
    .orderBy(t);
}

/** Whose usage: one user, or one organization (its members' events and costs). */
export type UsageSubject = { userId: string } | { orgId: string };

/** Events by type and metered calls and cost of a user or an organization, from the rollups. */
export async function usageTotals(db: Db, who: UsageSubject, from: number, to: number) {
  const events = 'userId' in who ? analyticsEventHourly.userId : analyticsEventHourly.orgId;
  const costs = 'userId' in who ? analyticsCostHourly.userId : analyticsCostHourly.orgId;
  const id = 'userId' in who ? who.userId : who.orgId;
  const start = from - (from % HOUR_MS);
  const [byType, [calls]] = await db.batch([
    db
      .select({
        type: analyticsEventHourly.eventType,
        count: sql<number>`sum(${analyticsEventHourly.count})`,
      })
      .from(analyticsEventHourly)
      .where(
        and(
          eq(events, id),
          gte(analyticsEventHourly.hour, start),
          lt(analyticsEventHourly.hour, to),
        ),
      )
      .groupBy(analyticsEventHourly.eventType),
    db
      .select({
        count: sql<number>`coalesce(sum(${analyticsCostHourly.count}), 0)`,
        cost: sql<number>`total(${analyticsCostHourly.costUsd})`,
      })
      .from(analyticsCostHourly)
      .where(
        and(eq(costs, id), gte(analyticsCostHourly.hour, start), lt(analyticsCostHourly.hour, to)),
      ),
  ]);
  return {
    eventsByType: Object.fromEntries(byType.map((r) => [r.type, Number(r.count)])),
    apiCalls: Number(calls?.count ?? 0),
    costUsd: Number(calls?.cost ?? 0),
  };
}

export const COST_GROUPS = ['service', 'model', 'user', 'day'] as const;
export type CostGroup = (typeof COST_GROUPS)[number];

/** Cost and metered calls between `from` and `to`, grouped by one dimension. */
export function costGroups(db: Db, groupBy: CostGroup, from: number, to: number) {
  const key = {
    service: sql<string>`${analyticsCostHourly.service}`,
    model: sql<string>`${analyticsCostHourly.model}`,
    user: sql<string>`${analyticsCostHourly.userId}`,
    day: sql<string>`strftime('%Y-%m-%d', ${analyticsCostHourly.hour} / 1000, 'unixepoch')`,
  }[groupBy];
  return db
    .select({
      key,
      cost: sql<number>`total(${analyticsCostHourly.costUsd})`,
      count: sql<number>`sum(${analyticsCostHourly.count})`,
    })
    .from(analyticsCostHourly)
    .where(
      and(gte(analyticsCostHourly.hour, from - (from % HOUR_MS)), lt(analyticsCostHourly.hour, to)),
    )
    .groupBy(key)
    .orderBy(desc(sql`total(${analyticsCostHourly.costUsd})`), key);
}

const SESSION_EVENTS = ['login_succeeded', 'refresh', 'mfa_succeeded'];

/** The dashboard's figures since `since` (raw events: exact to the millisecond). */
export async function dashboardFigures(db: Db, since: number, topN: number) {
  const recent = and(eq(analyticsEvents.kind, 'event'), gte(analyticsEvents.occurredAt, since));
  const [[usersTotal], byType, [sessions], top] = await db.batch([
    db.select({ n: count() }).from(users),
    db
      .select({ type: analyticsEvents.name, n: count() })
      .from(analyticsEvents)
      .where(recent)
      .groupBy(analyticsEvents.name),
    db
      .select({ n: sql<number>`count(distinct ${analyticsEvents.sessionId})` })
      .from(analyticsEvents)
      .where(
        and(
          recent,
          inArray(analyticsEvents.name, SESSION_EVENTS),
          isNotNull(analyticsEvents.sessionId),
          sql`${analyticsEvents.sessionId} not in (select session_id from ${analyticsEvents}
            where name = 'logout' and session_id is not null and occurred_at >= ${since})`,
        ),
      ),
    db
      .select({ userId: analyticsEvents.userId, email: users.email, n: count() })
      .from(analyticsEvents)
      .leftJoin(users, eq(users.id, analyticsEvents.userId))
      .where(and(recent, isNotNull(analyticsEvents.userId)))
      .groupBy(analyticsEvents.userId)
      .orderBy(desc(count()), analyticsEvents.userId)
      .limit(topN),
  ]);
  return {
    usersTotal: usersTotal?.n ?? 0,
    eventsByType: Object.fromEntries(byType.map((r) => [r.type, r.n])),
    activeSessions: Number(sessions?.n ?? 0),
    topUsers: top.map((r) => ({ userId: r.userId!, email: r.email, events: r.n })),
  };
}

/** All-time event counts by type, from the hourly rollups (never pruned: monotonic). */
export async function eventTotals(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .select({
      type: analyticsEventHourly.eventType,
      n: sql<number>`sum(${analyticsEventHourly.count})`,
    })
    .from(analyticsEventHourly)
    .groupBy(analyticsEventHourly.eventType);
  return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
}

/** Raw events of the given types since `since`. */
export async function countRecent(db: Db, types: string[], since: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(analyticsEvents)
    .where(
      and(
        eq(analyticsEvents.kind, 'event'),
        inArray(analyticsEvents.name, types),
        gte(analyticsEvents.occurredAt, since),
      ),
    );
  return row?.n ?? 0;
}
