import { z } from '@hono/zod-openapi';
import { COST_GROUPS, IntervalSchema } from '../../domain/analytics/reads';
import {
  MetricInputSchema,
  MetricNameField,
  TimestampField,
  TrackEventSchema,
} from '../../domain/analytics/messages';

export const TrackEventBody = TrackEventSchema.openapi('AnalyticsEvent', {
  description:
    'A custom event. `event_type` may not be one the service reports itself (login_succeeded, ...). `properties`: at most 32 flat values (strings ≤ 512 characters), 4 KB as JSON; names that look like secrets (password, token, key, code, ...) are refused. `timestamp` (default now) at most 7 days old and 5 minutes ahead.',
  example: { event_type: 'report_exported', properties: { format: 'csv', rows: 1200 } },
});

export const MetricBody = MetricInputSchema.openapi('AnalyticsMetric', {
  description:
    'A metric data point. `labels`: at most 16, Prometheus-style names, values ≤ 128 characters, no secret-looking names; `labels.model` is the model of the cost breakdown. `user_id`/`org_id` attribute usage and cost. `timestamp` (default now) at most 7 days old and 5 minutes ahead.',
  example: {
    name: 'llm_request',
    value: 812,
    unit: 'ms',
    labels: { model: 'small' },
    cost_usd: 0.002,
  },
});

export const MetricBatchBody = z
  .strictObject({
    metrics: z.array(MetricBody).min(1).openapi({ description: 'At most 1000 (413 beyond)' }),
  })
  .openapi('AnalyticsMetricBatch');

export const AcceptedSchema = z
  .object({
    accepted: z.number().int().openapi({ description: 'How many went onto the queue' }),
    event_id: z.uuid().optional().openapi({ description: 'The id of a single event' }),
  })
  .openapi('AnalyticsAccepted');

const RangeQuery = {
  from: TimestampField.optional().openapi({
    description: 'ISO 8601 start (default: 30 days before `to`); rollups are hourly',
    example: '2026-12-01T00:00:00Z',
  }),
  to: TimestampField.optional().openapi({
    description: 'ISO 8601 end, exclusive (default: now)',
    example: '2026-12-02T00:00:00Z',
  }),
};

export const MetricQuerySchema = z.object({
  name: MetricNameField.openapi({ example: 'llm_request' }),
  ...RangeQuery,
  interval: IntervalSchema.default('hour'),
});

export const RangeQuerySchema = z.object(RangeQuery);

export const CostQuerySchema = z.object({
  ...RangeQuery,
  group_by: z.enum(COST_GROUPS).default('service'),
});

export const MetricSeriesSchema = z
  .object({
    name: z.string(),
    interval: IntervalSchema,
    points: z.array(
      z.object({
        t: z.string().openapi({ format: 'date-time', description: 'Start of the bucket (UTC)' }),
        count: z.number().int(),
        sum: z.number(),
        min: z.number(),
        max: z.number(),
        avg: z.number(),
      }),
    ),
  })
  .openapi('MetricSeries');

const Counts = z.record(z.string(), z.number().int());

export const UsageSchema = z
  .object({
    user_id: z.string(),
    from: z.string().openapi({ format: 'date-time' }),
    to: z.string().openapi({ format: 'date-time' }),
    events_by_type: Counts,
    logins: z.number().int(),
    failed_logins: z.number().int(),
    api_calls: z.number().int().openapi({ description: 'Metrics recorded for the user' }),
    cost_usd: z.number(),
  })
  .openapi('Usage');

export const CostsSchema = z
  .object({
    group_by: z.enum(COST_GROUPS),
    from: z.string().openapi({ format: 'date-time' }),
    to: z.string().openapi({ format: 'date-time' }),
    total_usd: z.number(),
    groups: z.array(
      z.object({
        key: z.string().openapi({ description: "'' when the metrics named none" }),
        cost_usd: z.number(),
        count: z.number().int(),
      }),
    ),
  })
  .openapi('Costs');

export const DashboardSchema = z
  .object({
    users_total: z.number().int(),
    active_sessions: z
      .number()
      .int()
      .openapi({ description: 'Sessions started or refreshed in 24 h and not logged out' }),
    logins_24h: z.number().int(),
    failed_logins_24h: z.number().int(),
    events_by_type: Counts.openapi({ description: 'Last 24 hours' }),
    top_users: z.array(
      z.object({ user_id: z.string(), email: z.string().nullable(), events: z.number().int() }),
    ),
  })
  .openapi('Dashboard');
