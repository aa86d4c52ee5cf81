import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Email sign-in (POST /auth/email/start): one pending sign-in per address, so a new start
 * replaces the previous link and code. Keyed by the canonical address, not a user: an address
 * without an account may get one (`create_account`) once it proves the mailbox. Only hashes
 * are stored: the link's SHA-256, and the 6-digit code's hash bound to this start's link
 * (security.md "Sign-in methods"); `tries` counts wrong codes against EMAIL_CODE_MAX_TRIES.
 */
export const emailSignIns = sqliteTable(
  'email_sign_ins',
  {
    email: text('email').primaryKey(),
    tokenHash: text('token_hash').notNull(),
    codeHash: text('code_hash').notNull(),
    tries: integer('tries').notNull().default(0),
    createAccount: integer('create_account', { mode: 'boolean' }).notNull(),
    /** Where the confirm page sends the browser (checked against the allowed origins there). */
    returnTo: text('return_to'),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('email_sign_ins_token').on(t.tokenHash)],
);

export type EmailSignIn = typeof emailSignIns.$inferSelect;
