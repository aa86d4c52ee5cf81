import { z } from 'zod';
import { SECRET_FIELD } from '../../lib/logger';
import { domainEventSchema } from '../events';

// What travels on the ANALYTICS queue, and the bounds of what callers may put in it. The
// ingestion routes, the RPC method and the consumer all validate with these schemas.

const MAX_PROPERTIES = 32;
const MAX_PROPERTIES_BYTES = 4096;
const MAX_LABELS = 16;

/** Keys that look like they hold a secret (the logger's rule): analytics never stores them. */
const notSecret = (key: string) => !SECRET_FIELD.test(key);
const secretMessage = (what: string) =>
  `${what} must not look like a secret (password, token, key, code, ...): analytics never stores one`;

const PropertyKey = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 letters, digits, _ . or -')
  .refine(notSecret, secretMessage('a property name'));

/** Flat, small, scalar properties: enough for drill-down, nothing that could smuggle a blob. */
export const PropertiesSchema = z
  .record(PropertyKey, z.union([z.string().max(512), z.number().finite(), z.boolean(), z.null()]))
  .refine((p) => Object.keys(p).length <= MAX_PROPERTIES, `at most ${MAX_PROPERTIES} properties`)
  .refine(
    (p) => new TextEncoder().encode(JSON.stringify(p)).length <= MAX_PROPERTIES_BYTES,
    `at most ${MAX_PROPERTIES_BYTES} bytes as JSON`,
  );

const LabelKey = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/, 'must be 1-64 letters, digits or _ (Prometheus style)')
  .refine(notSecret, secretMessage('a label name'));

export const LabelsSchema = z
  .record(LabelKey, z.string().max(128))
  .refine((l) => Object.keys(l).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`);

const EventTypeField = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'must be a lower-case identifier of 1-64 characters');

export const MetricNameField = z
  .string()
  .regex(
    /^[a-zA-Z_:][a-zA-Z0-9_:]{0,127}$/,
    'must be a Prometheus-style name (letters, digits, _ :)',
  );

export const TimestampField = z.iso.datetime({ offset: true });

const Id = z.string().min(1).max(64);

const common = {
  event_id: z.uuid(),
  /** When it happened, ms since the epoch. */
  timestamp: z.number().int().nonnegative(),
  user_id: Id.nullable(),
  org_id: Id.nullable(),
  service: Id.nullable(),
};

/**
 * The audit-trail row of a domain event (domain/events.ts `emit`), carried to the consumer,
 * which writes the rows of a whole queue batch in its one D1 batch. Only the producer sets it
 * (ingested events are built from TrackEventSchema); its id is the event's, so a redelivered
 * message writes nothing twice.
 */
const AuditRowSchema = z.object({
  action: z.string().min(1).max(64),
  user_id: z.string().nullable(),
  organization_id: z.string().nullable(),
  actor_id: z.string().nullable(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  request_id: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  at: z.number().int().nonnegative(),
});

/** The audit row of a message refused as analytics, which the trail still takes. */
export const AuditCarrierSchema = z.object({ event_id: z.uuid(), audit: AuditRowSchema });

const EventMessageSchema = z.object({
  kind: z.literal('event'),
  ...common,
  event_type: EventTypeField,
  session_id: Id.nullable(),
  properties: PropertiesSchema,
  audit: AuditRowSchema.optional(),
});

const MetricMessageSchema = z.object({
  kind: z.literal('metric'),
  ...common,
  name: MetricNameField,
  value: z.number().finite(),
  unit: z.string().max(32).nullable(),
  labels: LabelsSchema,
  cost_usd: z.number().finite().nonnegative().nullable(),
});

/** The event type of a service's activity reports (POST /auth/users/{user_id}/activity). */
export const ACTIVITY_EVENT_TYPE = 'activity';

/** What a service reports a user did: counted as an event, and kept in the activity trail. */
export const ActivityInputSchema = z.strictObject({
  action: EventTypeField,
  resource: z.string().min(1).max(128),
  metadata: PropertiesSchema.optional(),
});
export type ActivityInput = z.infer<typeof ActivityInputSchema>;

const ActivityMessageSchema = z.object({
  kind: z.literal('activity'),
  ...common,
  user_id: Id,
  service: Id,
  event_type: z.literal(ACTIVITY_EVENT_TYPE),
  request_id: z.string().min(1).max(128),
  action: ActivityInputSchema.shape.action,
  resource: ActivityInputSchema.shape.resource,
  metadata: PropertiesSchema,
});

/** One message on the queue: a (domain or custom) event, an activity, or a metric data point. */
export const AnalyticsMessageSchema = z.discriminatedUnion('kind', [
  EventMessageSchema,
  MetricMessageSchema,
  ActivityMessageSchema,
]);
export type AnalyticsMessage = z.infer<typeof AnalyticsMessageSchema>;
export type EventMessage = z.infer<typeof EventMessageSchema>;
export type MetricMessage = z.infer<typeof MetricMessageSchema>;
export type ActivityMessage = z.infer<typeof ActivityMessageSchema>;

/**
 * Event types the service reports itself (domain events and activity): nobody may post them
 * through POST /analytics/events, or a client could inflate the login and failure counts that
 * dashboards and /metrics show. They are also the only types /metrics labels by name.
 */
let domainTypes: ReadonlySet<string> | undefined;
export const domainEventTypes = (): ReadonlySet<string> =>
  (domainTypes ??= new Set([
    ...domainEventSchema().options.map((o) => o.shape.type.value),
    ACTIVITY_EVENT_TYPE,
  ]));

/** A custom event as a caller sends it (POST /analytics/events, RPC track). */
export const TrackEventSchema = z.strictObject({
  event_type: EventTypeField.refine(
    (t) => !domainEventTypes().has(t),
    'is reported by the service itself and cannot be sent',
  ),
  user_id: z.uuid().optional(),
  properties: PropertiesSchema.optional(),
  timestamp: TimestampField.optional(),
});
export type TrackEvent = z.infer<typeof TrackEventSchema>;

/** A metric data point as a service sends it. */
export const MetricInputSchema = z.strictObject({
  name: MetricNameField,
  value: z.number().finite(),
  unit: z.string().max(32).optional(),
  labels: LabelsSchema.optional(),
  cost_usd: z.number().finite().nonnegative().max(1_000_000).optional(),
  user_id: z.uuid().optional(),
  org_id: Id.optional(),
  timestamp: TimestampField.optional(),
});
export type MetricInput = z.infer<typeof MetricInputSchema>;

/** Labels in a canonical form (sorted keys): one label set, one rollup row. */
export const canonicalLabels = (labels: Record<string, string>) =>
  JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))));
