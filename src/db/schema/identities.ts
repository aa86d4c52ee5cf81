import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './users';

/**
 * Accounts at social and enterprise providers linked to a user (api.md "Social and enterprise
 * sign-in"). The key is the provider's `sub` (unique per provider), never its email: an address
 * can change hands at a provider, a subject cannot. `email` is what the provider said at the
 * link, for display only. A row is never moved to another user (security.md "Federation").
 */
export const identities = sqliteTable(
  'identities',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The configured provider's id (OAUTH_PROVIDERS), not its type. */
    provider: text('provider').notNull(),
    subject: text('subject').notNull(),
    email: text('email'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('identities_provider_subject_unique').on(t.provider, t.subject),
    index('identities_user').on(t.userId),
  ],
);

export type Identity = typeof identities.$inferSelect;
