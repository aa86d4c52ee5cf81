import { z } from 'zod';
import { ORG_ROLES } from '../../db/schema';
import type { DomainEvent } from '../events';

/**
 * The webhook event types (api.md "Webhooks"), each a view of one or more members of the
 * domain event union: the domain's own vocabulary stays internal, receivers get stable names.
 * Addresses, IPs and user agents never leave in a webhook: a receiver asks the API for them.
 */
export const WEBHOOK_EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deleted',
  'user.locked',
  'session.created',
  'session.revoked',
  'password.changed',
  'mfa.enabled',
  'mfa.disabled',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'member.added',
  'member.updated',
  'member.removed',
  'invitation.created',
  'invitation.accepted',
  'invitation.revoked',
  'webhook.test',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Each type's `data`, for the OpenAPI document's `webhooks` section (built on first use). */
export const webhookDataSchemas = () => {
  const id = z.string();
  const actor = { actor_id: id.nullable() };
  const org = { organization_id: id };
  const role = z.enum(ORG_ROLES);
  return {
    'user.created': z.object({ user_id: id, ...actor }),
    'user.updated': z.object({
      user_id: id,
      ...actor,
      change: z.enum(['profile', 'email_verified', 'roles', 'suspended', 'reactivated']),
      fields: z.array(z.string()).optional(),
    }),
    'user.deleted': z.object({ user_id: id, ...actor }),
    'user.locked': z.object({ user_id: id }),
    'session.created': z.object({ user_id: id, session_id: id }),
    'session.revoked': z.object({
      user_id: id,
      session_id: id.nullable(),
      reason: z.enum(['logout', 'refresh_reuse']),
    }),
    'password.changed': z.object({ user_id: id, reason: z.enum(['changed', 'reset']) }),
    'mfa.enabled': z.object({ user_id: id, method_id: id, method_type: z.string() }),
    'mfa.disabled': z.object({
      user_id: id,
      method_id: id.nullable(),
      reason: z.enum(['removed', 'reset']),
    }),
    'organization.created': z.object({ ...org, user_id: id, name: z.string(), slug: z.string() }),
    'organization.updated': z.object({ ...org, user_id: id, fields: z.array(z.string()) }),
    'organization.deleted': z.object({ ...org, user_id: id }),
    'member.added': z.object({ ...org, user_id: id, ...actor, role }),
    'member.updated': z.object({ ...org, user_id: id, ...actor, role }),
    'member.removed': z.object({ ...org, user_id: id, ...actor }),
    'invitation.created': z.object({ ...org, invitation_id: id, invited_by: id.nullable(), role }),
    'invitation.accepted': z.object({ ...org, invitation_id: id, user_id: id }),
    'invitation.revoked': z.object({ ...org, invitation_id: id, ...actor }),
    'webhook.test': z.object({ endpoint_id: id }),
  } satisfies Record<WebhookEventType, z.ZodType>;
};

/** What an endpoint is sent: the Standard Webhooks body. */
export interface WebhookEvent {
  type: WebhookEventType;
  /** Whose events these are: an organization's endpoint gets only its own (null: a user's). */
  organizationId: string | null;
  data: Record<string, unknown>;
}

const of = (
  type: WebhookEventType,
  data: Record<string, unknown>,
  organizationId: string | null = null,
): WebhookEvent => ({ type, data, organizationId });

/** The webhook event a domain event is published as, or null for internal ones. */
export function webhookEventOf(e: DomainEvent): WebhookEvent | null {
  switch (e.type) {
    case 'registered':
      return of('user.created', { user_id: e.user_id, actor_id: e.actor_id ?? null });
    case 'profile_changed':
      return of('user.updated', {
        user_id: e.user_id,
        actor_id: null,
        change: 'profile',
        fields: e.metadata.fields,
      });
    case 'email_verified':
      return of('user.updated', { user_id: e.user_id, actor_id: null, change: 'email_verified' });
    case 'roles_changed':
      return e.user_id === null
        ? null
        : of('user.updated', { user_id: e.user_id, actor_id: e.actor_id, change: 'roles' });
    case 'suspended':
    case 'reactivated':
      return of('user.updated', { user_id: e.user_id, actor_id: e.actor_id, change: e.type });
    case 'deleted':
      return of('user.deleted', { user_id: e.user_id, actor_id: e.actor_id });
    case 'account_locked':
      return e.user_id === null ? null : of('user.locked', { user_id: e.user_id });
    case 'login_succeeded':
      return of('session.created', { user_id: e.user_id, session_id: e.metadata.session_id });
    case 'logout':
      return of('session.revoked', {
        user_id: e.user_id,
        session_id: e.metadata.session_id,
        reason: 'logout',
      });
    case 'refresh_reuse':
      return of('session.revoked', {
        user_id: e.user_id,
        session_id: null,
        reason: 'refresh_reuse',
      });
    case 'password_changed':
    case 'password_reset':
      return of('password.changed', {
        user_id: e.user_id,
        reason: e.type === 'password_reset' ? 'reset' : 'changed',
      });
    default:
      return factorOrOrgEvent(e);
  }
}

function factorOrOrgEvent(e: DomainEvent): WebhookEvent | null {
  switch (e.type) {
    case 'mfa_enrolled':
      return of('mfa.enabled', {
        user_id: e.user_id,
        method_id: e.metadata.method_id,
        method_type: e.metadata.type,
      });
    case 'passkey_added':
      return of('mfa.enabled', {
        user_id: e.user_id,
        method_id: e.metadata.passkey_id,
        method_type: 'passkey',
      });
    case 'mfa_removed':
      return of('mfa.disabled', {
        user_id: e.user_id,
        method_id: e.metadata.method_id,
        reason: 'removed',
      });
    case 'passkey_removed':
      return of('mfa.disabled', {
        user_id: e.user_id,
        method_id: e.metadata.passkey_id,
        reason: 'removed',
      });
    case 'mfa_reset':
      return of('mfa.disabled', { user_id: e.user_id, method_id: null, reason: 'reset' });
    default:
      return orgEvent(e);
  }
}

function orgEvent(e: DomainEvent): WebhookEvent | null {
  if (!('organization_id' in e)) return null;
  const base = { organization_id: e.organization_id };
  const actor_id = e.actor_id ?? null;
  switch (e.type) {
    case 'org_created':
      return of(
        'organization.created',
        { ...base, user_id: e.user_id, ...e.metadata },
        e.organization_id,
      );
    case 'org_updated':
      return of(
        'organization.updated',
        { ...base, user_id: e.user_id, fields: e.metadata.fields },
        e.organization_id,
      );
    case 'org_deleted':
      return of('organization.deleted', { ...base, user_id: e.user_id }, e.organization_id);
    case 'member_added':
    case 'role_changed':
      return of(
        e.type === 'member_added' ? 'member.added' : 'member.updated',
        { ...base, user_id: e.user_id, actor_id, role: e.metadata.role },
        e.organization_id,
      );
    case 'member_removed':
      return of('member.removed', { ...base, user_id: e.user_id, actor_id }, e.organization_id);
    case 'invitation_sent':
      return of(
        'invitation.created',
        { ...base, ...e.metadata, invited_by: e.user_id },
        e.organization_id,
      );
    case 'invitation_accepted':
      return of(
        'invitation.accepted',
        { ...base, invitation_id: e.metadata.invitation_id, user_id: e.user_id },
        e.organization_id,
      );
    case 'invitation_revoked':
      return of(
        'invitation.revoked',
        { ...base, invitation_id: e.metadata.invitation_id, actor_id },
        e.organization_id,
      );
    default:
      return null;
  }
}
