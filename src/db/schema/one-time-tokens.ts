import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './users';

/**
 * Single-use tokens sent by email (password reset, email verification) or handed over by the
 * operator (`admin_grant`, scripts/admin-grant.mjs: redeemed like a reset, it also grants the
 * admin role). Only the SHA-256 of the token is stored; each is bound to its purpose and user
 * (security.md "Tokens").
 */
export const oneTimeTokens = sqliteTable(
  'one_time_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', {
      enum: ['password_reset', 'email_verification', 'admin_grant'],
    }).notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
    /** Random value written by the redemption that used the token up (see redeemOneTimeToken). */
    redemption: text('redemption'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('one_time_tokens_hash').on(t.tokenHash),
    index('one_time_tokens_user').on(t.userId, t.purpose),
  ],
);

export type TokenPurpose = (typeof oneTimeTokens.$inferSelect)['purpose'];
