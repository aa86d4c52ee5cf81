import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './users';

/**
 * WebAuthn credentials (passkeys). `credential_id` is the authenticator's id (base64url), unique
 * across accounts: a sign-in finds the account by it. `public_key` is the COSE key as base64url;
 * `counter` the last signature counter seen, which only moves forward (0 = the authenticator
 * keeps none). `backed_up`/`device_type` are what the authenticator said at registration and
 * the last sign-in (a synced passkey vs one bound to a device).
 */
export const passkeys = sqliteTable(
  'passkeys',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    credentialId: text('credential_id').notNull(),
    publicKey: text('public_key').notNull(),
    counter: integer('counter').notNull().default(0),
    transports: text('transports', { mode: 'json' }).$type<string[]>().notNull().default([]),
    backedUp: integer('backed_up', { mode: 'boolean' }).notNull().default(false),
    deviceType: text('device_type', { enum: ['singleDevice', 'multiDevice'] }).notNull(),
    name: text('name').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    uniqueIndex('passkeys_credential_id_unique').on(t.credentialId),
    index('passkeys_user').on(t.userId),
  ],
);

export type Passkey = typeof passkeys.$inferSelect;
