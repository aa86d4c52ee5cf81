import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { organizations } from './organizations';
import { users } from './users';

/**
 * Where events are delivered (api.md "Webhooks"). `organization_id` null: a deployment endpoint
 * (every event); set: that organization's events only, and the endpoint goes with the
 * organization. The signing secret is sealed under MFA_ENCRYPTION_KEY's keyring (it must be
 * read back to sign, so it cannot be hashed); after a rotation the previous one keeps signing
 * beside it until `previous_secret_expires_at`. `failing_since` is the first failure of the
 * current run of failures (null after a success): 5 days of it disables the endpoint.
 */
export const webhookEndpoints = sqliteTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id').references(() => organizations.id, {
      onDelete: 'cascade',
    }),
    url: text('url').notNull(),
    description: text('description').notNull().default(''),
    eventTypes: text('event_types', { mode: 'json' }).$type<string[]>().notNull(),
    secretEnc: text('secret_enc').notNull(),
    previousSecretEnc: text('previous_secret_enc'),
    previousSecretExpiresAt: integer('previous_secret_expires_at', { mode: 'timestamp_ms' }),
    disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
    failingSince: integer('failing_since', { mode: 'timestamp_ms' }),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('webhook_endpoints_org').on(t.organizationId, t.createdAt)],
);

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One event for one endpoint: the delivery log, and what a retry or a replay sends again (the
 * body as signed, so every attempt carries the same bytes and `message_id`, the webhook-id).
 * Deleting the endpoint deletes its deliveries, so nothing is sent to it again.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    messageId: text('message_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: text('payload').notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('webhook_deliveries_endpoint').on(t.endpointId, t.createdAt)],
);

export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
