import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Messages "sent" by the development notifier, readable at GET /dev/outbox. Only written when
 * ENVIRONMENT is development or test; production sends through the HTTP providers.
 */
export const devOutbox = sqliteTable(
  'dev_outbox',
  {
    id: text('id').primaryKey(),
    channel: text('channel', { enum: ['email', 'sms'] }).notNull(),
    to: text('to').notNull(),
    subject: text('subject'),
    body: text('body').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('dev_outbox_to_time').on(t.to, t.createdAt)],
);
