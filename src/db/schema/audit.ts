import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const AUDIT_ACTIONS = [
  'registered',
  'login_succeeded',
  'login_failed',
  'account_locked',
  'logout',
  'refresh',
  'refresh_reuse',
  'profile_changed',
  'password_changed',
  'password_reset',
  'email_verified',
  'roles_changed',
  'suspended',
  'reactivated',
  'deleted',
  'mfa_enrolled',
  'mfa_succeeded',
  'mfa_failed',
  'backup_code_used',
  'mfa_removed',
  'mfa_challenge_sent',
  'mfa_reset',
  'org_created',
  'org_updated',
  'org_deleted',
  'member_added',
  'member_removed',
  'role_changed',
  'invitation_sent',
  'invitation_accepted',
  'invitation_revoked',
  'service_activity',
  'passkey_added',
  'passkey_removed',
  'impersonation_started',
  'session_revoked',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Security audit trail. `user_id` is deliberately not a foreign key: entries outlive a deleted
 * account, which is itself audited. Never holds a password, token or key.
 */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: text('id').primaryKey(),
    userId: text('user_id'),
    /** The organization an org event happened in (not a foreign key: entries outlive it). */
    organizationId: text('organization_id'),
    actorId: text('actor_id'),
    action: text('action', { enum: AUDIT_ACTIONS }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id').notNull(),
    metadata: text('metadata', { mode: 'json' })
      .$type<Record<string, unknown>>()
      .notNull()
      .default({}),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('audit_events_user_time').on(t.userId, t.createdAt, t.id),
    index('audit_events_org_time').on(t.organizationId, t.createdAt, t.id),
  ],
);

export type AuditEvent = typeof auditEvents.$inferSelect;
