import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './users';

export const MFA_TYPES = ['totp', 'email', 'sms'] as const;
export type MfaType = (typeof MFA_TYPES)[number];

/**
 * Second factors. A method counts only once `confirmed_at` is set (a first good code).
 * `secret_enc` is the TOTP secret under AES-GCM (lib/crypto.ts, key MFA_ENCRYPTION_KEY), never
 * in clear; `last_used_step` is the newest TOTP step accepted, and only ever moves forward, so
 * a code (or an older one) is accepted once (security.md "MFA").
 */
export const mfaMethods = sqliteTable(
  'mfa_methods',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text('type', { enum: MFA_TYPES }).notNull(),
    secretEnc: text('secret_enc'),
    destination: text('destination'),
    confirmedAt: integer('confirmed_at', { mode: 'timestamp_ms' }),
    lastUsedStep: integer('last_used_step'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('mfa_methods_user').on(t.userId)],
);

/** Backup codes: SHA-256 of each (they are high-entropy random), single use. */
export const mfaBackupCodes = sqliteTable(
  'mfa_backup_codes',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('mfa_backup_codes_user_hash').on(t.userId, t.codeHash)],
);

export type MfaMethod = typeof mfaMethods.$inferSelect;
