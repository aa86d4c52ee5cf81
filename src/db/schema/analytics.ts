import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Raw analytics messages as the aggregator received them, keyed by the producer's event id: a
 * redelivered message hits the key and is not counted again. `pending_batch` marks the rows of
 * the consumer batch being aggregated, so the rollups read exactly the new rows inside the same
 * D1 batch (and are rolled back with them). Pruned after ANALYTICS_RAW_RETENTION_DAYS.
 */
export const analyticsEvents = sqliteTable(
  'analytics_events',
  {
    eventId: text('event_id').primaryKey(),
    kind: text('kind', { enum: ['event', 'metric'] }).notNull(),
    /** The event type, or the metric name. */
    name: text('name').notNull(),
    userId: text('user_id'),
    orgId: text('org_id'),
    service: text('service'),
    sessionId: text('session_id'),
    value: real('value'),
    costUsd: real('cost_usd'),
    /** Canonical JSON (sorted keys) of the metric's labels: part of the rollup key. */
    labels: text('labels').notNull().default('{}'),
    properties: text('properties', { mode: 'json' })
      .$type<Record<string, unknown>>()
      .notNull()
      .default({}),
    occurredAt: integer('occurred_at').notNull(),
    receivedAt: integer('received_at').notNull(),
    pendingBatch: text('pending_batch'),
  },
  (t) => [
    index('analytics_events_time').on(t.occurredAt),
    index('analytics_events_user_time').on(t.userId, t.occurredAt),
    index('analytics_events_pending')
      .on(t.pendingBatch)
      .where(sql`${t.pendingBatch} is not null`),
  ],
);

/** Per hour and (event type, user, org): how many. '' stands for "none" so the key is total. */
export const analyticsEventHourly = sqliteTable(
  'analytics_event_hourly',
  {
    hour: integer('hour').notNull(),
    eventType: text('event_type').notNull(),
    userId: text('user_id').notNull().default(''),
    orgId: text('org_id').notNull().default(''),
    count: integer('count').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.hour, t.eventType, t.userId, t.orgId] }),
    index('analytics_event_hourly_user').on(t.userId, t.hour),
    index('analytics_event_hourly_org').on(t.orgId, t.hour),
  ],
);

/** Per hour and (metric name, label set): count, sum, min and max of the values. */
export const analyticsMetricHourly = sqliteTable(
  'analytics_metric_hourly',
  {
    hour: integer('hour').notNull(),
    name: text('name').notNull(),
    labels: text('labels').notNull(),
    count: integer('count').notNull(),
    sum: real('sum').notNull(),
    min: real('min').notNull(),
    max: real('max').notNull(),
  },
  (t) => [primaryKey({ columns: [t.name, t.labels, t.hour] })],
);

/** Per hour and (service, model, user, org): metered calls and their cost. */
export const analyticsCostHourly = sqliteTable(
  'analytics_cost_hourly',
  {
    hour: integer('hour').notNull(),
    service: text('service').notNull().default(''),
    model: text('model').notNull().default(''),
    userId: text('user_id').notNull().default(''),
    orgId: text('org_id').notNull().default(''),
    count: integer('count').notNull(),
    costUsd: real('cost_usd').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.hour, t.service, t.model, t.userId, t.orgId] }),
    index('analytics_cost_hourly_user').on(t.userId, t.hour),
    index('analytics_cost_hourly_org').on(t.orgId, t.hour),
  ],
);

/** Monotonic counters of the pipeline itself (rejected messages, failed sends, dead letters). */
export const analyticsCounters = sqliteTable('analytics_counters', {
  name: text('name').primaryKey(),
  value: integer('value').notNull(),
});

/** Messages that exhausted their retries, as the dead-letter consumer received them. */
export const analyticsDeadLetters = sqliteTable(
  'analytics_dead_letters',
  {
    messageId: text('message_id').primaryKey(),
    queue: text('queue').notNull(),
    attempts: integer('attempts').notNull(),
    body: text('body').notNull(),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [index('analytics_dead_letters_time').on(t.receivedAt)],
);

/**
 * The custom event types each caller (`user:<id>` or `service:<name>`) introduced per UTC day
 * (`day`: days since the epoch): ingest admits a new type only while the caller has fewer than
 * ANALYTICS_CUSTOM_TYPES_PER_DAY, so nobody grows the rollups without bound. Pruned daily.
 */
export const analyticsCustomTypes = sqliteTable(
  'analytics_custom_types',
  {
    caller: text('caller').notNull(),
    day: integer('day').notNull(),
    eventType: text('event_type').notNull(),
  },
  (t) => [primaryKey({ columns: [t.caller, t.day, t.eventType] })],
);
