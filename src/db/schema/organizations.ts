import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';
import { users } from './users';

/** Org roles, strongest first (domain/org-roles.ts maps each to its permissions). */
export const ORG_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export const ORG_TIERS = ['free', 'pro', 'enterprise'] as const;
export type OrgTier = (typeof ORG_TIERS)[number];

/** Tenants. `slug` is unique and URL-safe; `settings` is a free-form, size-limited JSON object. */
export const organizations = sqliteTable(
  'organizations',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    tier: text('tier', { enum: ORG_TIERS }).notNull().default('free'),
    settings: text('settings', { mode: 'json' })
      .$type<Record<string, unknown>>()
      .notNull()
      .default({}),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('organizations_slug_unique').on(t.slug)],
);

/**
 * Who belongs to which organization, with their org role. Deleting the organization or the user
 * deletes the membership, so access ends with it.
 */
export const organizationMembers = sqliteTable(
  'organization_members',
  {
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ORG_ROLES }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.userId] }),
    index('organization_members_user').on(t.userId),
    index('organization_members_org_role').on(t.organizationId, t.role),
  ],
);

/**
 * Invitations to an address, with or without an account: a member joins only by proving the
 * address (security.md). Not a one_time_tokens row: those belong to a user, and the invitee may
 * have none yet. Only the SHA-256 of the token is stored; it is single use
 * (`accepted_at`), expires, and an admin can revoke it.
 */
export const organizationInvitations = sqliteTable(
  'organization_invitations',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role', { enum: ORG_ROLES }).notNull(),
    tokenHash: text('token_hash').notNull(),
    invitedBy: text('invited_by'),
    /**
     * The account invited by id (POST …/users with user_id): the invitation still goes to its
     * address, but listings show the id, never the address the inviter did not give.
     */
    inviteeId: text('invitee_id'),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    acceptedAt: integer('accepted_at', { mode: 'timestamp_ms' }),
    acceptedBy: text('accepted_by'),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('organization_invitations_hash').on(t.tokenHash),
    index('organization_invitations_org_time').on(t.organizationId, t.createdAt, t.id),
    index('organization_invitations_email').on(t.email),
  ],
);

export type Organization = typeof organizations.$inferSelect;
export type OrganizationMember = typeof organizationMembers.$inferSelect;
export type OrganizationInvitation = typeof organizationInvitations.$inferSelect;
