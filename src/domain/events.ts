import { z } from 'zod';
import type { AuditEntry } from '../db/queries/audit';
import { AUDIT_ACTIONS, ORG_ROLES, type AuditEvent } from '../db/schema';
import { adminEventSchemas } from './admin-events';

// The audit log is written here: its actions and entries are this module's, for the routes that
// show them.
export { AUDIT_ACTIONS, type AuditEvent };

/** Where a request came from: recorded with sessions and every event. */
export interface Origin {
  ip: string | null;
  userAgent: string | null;
  country: string | null;
  requestId: string;
}

const id = z.string().min(1);
const sessionRef = { session_id: id };
const orgRole = z.enum(ORG_ROLES);
/** Org events: `user_id` is whose trail it joins, `organization_id` files it under the org. */
const orgEvent = { organization_id: id, actor_id: id.nullish() };
const invitationRef = { invitation_id: id };

/**
 * Every fact the domain reports, one member per kind (a new fact is a new member). Events go out
 * through the `events` port, which writes the audit trail and sends each event to the analytics
 * queue. The schema is for the type and the list of kinds: built on first use, not by every
 * isolate at start (~40 object schemas).
 */
const buildDomainEventSchema = () =>
  z.discriminatedUnion('type', [
    z.object({
      type: z.literal('registered'),
      user_id: id,
      actor_id: id.nullish(),
      metadata: z.object({ by: z.string() }).partial().optional(),
    }),
    z.object({ type: z.literal('login_succeeded'), user_id: id, metadata: z.object(sessionRef) }),
    z.object({
      type: z.literal('login_failed'),
      user_id: id.nullable(),
      metadata: z
        .object({
          email: z.string(),
          reason: z.enum(['credentials_changed', 'passkey_rejected']),
        })
        .partial()
        .optional(),
    }),
    z.object({
      type: z.literal('account_locked'),
      user_id: id.nullable(),
      metadata: z.object({ email: z.string() }),
    }),
    z.object({ type: z.literal('logout'), user_id: id, metadata: z.object(sessionRef) }),
    z.object({
      type: z.literal('refresh'),
      user_id: id,
      metadata: z.object({ ...sessionRef, replayed: z.literal(true).optional() }),
    }),
    z.object({ type: z.literal('refresh_reuse'), user_id: id }),
    z.object({
      type: z.literal('profile_changed'),
      user_id: id,
      metadata: z.object({ fields: z.array(z.string()) }),
    }),
    z.object({ type: z.literal('password_changed'), user_id: id }),
    z.object({
      type: z.literal('password_reset'),
      user_id: id,
      metadata: z
        .object({
          granted_roles: z.array(z.string()).optional(),
          /** The reset verified a never verified address and cleared its second factors. */
          first_proof: z.literal(true).optional(),
        })
        .optional(),
    }),
    z.object({ type: z.literal('email_verified'), user_id: id }),
    z.object({
      type: z.literal('roles_changed'),
      user_id: id.nullable(),
      actor_id: id,
      metadata: z.record(z.string(), z.unknown()),
    }),
    z.object({ type: z.literal('suspended'), user_id: id, actor_id: id }),
    z.object({ type: z.literal('reactivated'), user_id: id, actor_id: id }),
    z.object({ type: z.literal('deleted'), user_id: id, actor_id: id.nullable() }),
    z.object({
      type: z.literal('mfa_enrolled'),
      user_id: id,
      metadata: z.object({ method_id: id, type: z.string() }),
    }),
    z.object({
      type: z.literal('mfa_succeeded'),
      user_id: id,
      metadata: z.object({
        ...sessionRef,
        method: z.enum(['totp', 'email', 'sms', 'backup_code']),
      }),
    }),
    z.object({
      type: z.literal('mfa_failed'),
      user_id: id,
      metadata: z.object({ stage: z.enum(['enrolment', 'login']), reason: z.string() }),
    }),
    z.object({ type: z.literal('backup_code_used'), user_id: id }),
    z.object({
      type: z.literal('mfa_removed'),
      user_id: id,
      metadata: z.object({ method_id: id }),
    }),
    z.object({
      type: z.literal('passkey_added'),
      user_id: id,
      metadata: z.object({ passkey_id: id }),
    }),
    z.object({
      type: z.literal('passkey_removed'),
      user_id: id,
      metadata: z.object({ passkey_id: id }),
    }),
    z.object({
      type: z.literal('mfa_challenge_sent'),
      user_id: id,
      metadata: z.object({
        method_id: id,
        type: z.enum(['email', 'sms']),
        stage: z.enum(['enrolment', 'login']),
      }),
    }),
    z.object({
      type: z.literal('mfa_reset'),
      user_id: id,
      actor_id: id.nullable(),
      metadata: z.object({ by: z.string() }),
    }),
    z.object({
      type: z.literal('org_created'),
      user_id: id,
      ...orgEvent,
      metadata: z.object({ name: z.string(), slug: z.string() }),
    }),
    z.object({
      type: z.literal('org_updated'),
      user_id: id,
      ...orgEvent,
      metadata: z.object({ fields: z.array(z.string()) }),
    }),
    z.object({ type: z.literal('org_deleted'), user_id: id, ...orgEvent }),
    z.object({
      type: z.literal('member_added'),
      user_id: id,
      ...orgEvent,
      metadata: z.object({
        role: orgRole,
        via: z.enum(['created', 'added', 'invitation', 'user_profile']),
      }),
    }),
    z.object({ type: z.literal('member_removed'), user_id: id, ...orgEvent }),
    z.object({
      type: z.literal('role_changed'),
      user_id: id,
      ...orgEvent,
      metadata: z.object({ role: orgRole }),
    }),
    z.object({
      type: z.literal('invitation_sent'),
      user_id: id.nullable(),
      ...orgEvent,
      metadata: z.object({ ...invitationRef, role: orgRole }),
    }),
    z.object({
      type: z.literal('invitation_accepted'),
      user_id: id,
      ...orgEvent,
      metadata: z.object(invitationRef),
    }),
    z.object({
      type: z.literal('invitation_revoked'),
      user_id: id.nullable(),
      ...orgEvent,
      metadata: z.object(invitationRef),
    }),
    ...adminEventSchemas(),
  ]);
export type DomainEvent = z.infer<ReturnType<typeof buildDomainEventSchema>>;

let domainEvents: ReturnType<typeof buildDomainEventSchema> | undefined;
export const domainEventSchema = () => (domainEvents ??= buildDomainEventSchema());

/** The events port. */
export interface Events {
  /** Records an event after the answer; a failed write is logged, never the caller's failure. */
  emit(event: DomainEvent): void;
  /**
   * The audit row of an event, for security writes that must commit with their audit entry in
   * one batch (an account and its `registered` entry, a token redemption and its reset).
   */
  entry(event: DomainEvent): AuditEntry;
  /**
   * Sends the events of this request to analytics, in one queue batch; called once the answer
   * is known. `succeeded` false drops the `entry` events: an error answer most likely means
   * their batch did not commit (a failure after a committed write loses its analytics event,
   * never invents one). Events emitted after the flush are sent at once.
   */
  flush(succeeded: boolean): void;
}

/**
 * A caller that never flushes (a script, a consumer) still gets its events sent. Long, so that
 * a slow request is flushed by its answer, which knows whether its writes committed.
 */
const FLUSH_FALLBACK_MS = 10_000;

/**
 * Resolves on a later turn of the event loop: the writes below start once the handler has
 * handed its answer back (its remaining steps are microtasks), not while it is still running,
 * so they stay off the request's critical path (the bench's call-path test pins it).
 */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** An event as sent to analytics, with the audit row the consumer writes (emitted events). */
export interface Published {
  event: DomainEvent;
  at: number;
  audit?: AuditEntry;
}

/**
 * The port over the D1 audit trail and the analytics queue, stamping each event with the
 * request's origin. `publish` gets the events to send (after the answer; it must not throw).
 */
export function eventsPort(parts: {
  origin: Origin;
  defer: (work: Promise<unknown>) => void;
  now: () => number;
  publish: (events: Published[]) => void;
}): Events {
  const entry = (event: DomainEvent): AuditEntry => ({
    action: event.type,
    userId: event.user_id,
    organizationId: 'organization_id' in event ? event.organization_id : null,
    actorId: 'actor_id' in event ? (event.actor_id ?? null) : null,
    metadata: 'metadata' in event ? (event.metadata ?? {}) : {},
    ip: parts.origin.ip,
    userAgent: parts.origin.userAgent,
    requestId: parts.origin.requestId,
    at: new Date(parts.now()),
  });
  let pending: (Published & { unconditional: boolean })[] = [];
  let flushed = false;
  let settle: (() => void) | undefined;
  const flush = (succeeded: boolean) => {
    if (flushed) return;
    flushed = true;
    settle?.();
    const sent = pending.filter((p) => succeeded || p.unconditional);
    pending = [];
    if (sent.length) {
      parts.defer(
        nextTurn().then(() =>
          parts.publish(sent.map(({ event, at, audit }) => ({ event, at, audit }))),
        ),
      );
    }
  };
  const queue = (event: DomainEvent, unconditional: boolean, audit?: AuditEntry) => {
    const at = parts.now();
    if (flushed) return parts.publish([{ event, at, audit }]);
    if (!settle) {
      const flushedNow = new Promise<void>((resolve) => (settle = resolve));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const fallback = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, FLUSH_FALLBACK_MS);
      });
      parts.defer(
        Promise.race([flushedNow, fallback]).then(() => {
          clearTimeout(timer);
          flush(true);
        }),
      );
    }
    pending.push({ event, at, unconditional, audit });
  };
  return {
    entry(event) {
      queue(event, false);
      return entry(event);
    },
    // The audit row travels with the event: the analytics consumer writes a queue batch's rows
    // in its one D1 batch (issue 23), instead of one D1 write per request after the answer.
    emit(event) {
      queue(event, true, entry(event));
    },
    flush,
  };
}
