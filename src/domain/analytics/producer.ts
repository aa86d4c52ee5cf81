import { bumpCounter } from '../../db/queries/analytics';
import { insertAuditEntries, type AuditEntry } from '../../db/queries/audit';
import type { AuditAction } from '../../db/schema';
import type { Db } from '../../db/client';
import type { Logger } from '../../lib/logger';
import { ApiError } from '../../lib/errors';
import type { DomainEvent } from '../events';
import {
  PropertiesSchema,
  type ActivityMessage,
  type AnalyticsMessage,
  type EventMessage,
} from './messages';

export type AnalyticsQueue = Queue<AnalyticsMessage>;

// Cloudflare Queues: at most 100 messages and 256 KB per sendBatch (a message is at most a few
// KB here: properties and labels are bounded), so chunks stay well inside both.
const MAX_PER_SEND = 100;
const MAX_BYTES_PER_SEND = 200_000;

function chunks(messages: AnalyticsMessage[]): AnalyticsMessage[][] {
  const out: AnalyticsMessage[][] = [];
  let current: AnalyticsMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = JSON.stringify(m).length + 100;
    if (current.length && (current.length >= MAX_PER_SEND || bytes + size > MAX_BYTES_PER_SEND)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}

/** Puts messages on the queue: `send` for one, `sendBatch` for several. */
async function enqueue(queue: AnalyticsQueue, messages: AnalyticsMessage[]) {
  if (messages.length === 1) {
    await queue.send(messages[0]!, { contentType: 'json' });
    return;
  }
  for (const chunk of chunks(messages)) {
    await queue.sendBatch(chunk.map((body) => ({ body, contentType: 'json' as const })));
  }
}

/** For ingestion routes: 202 means on the queue, so a failed send answers 503. */
export async function enqueueOrUnavailable(
  deps: { analytics: AnalyticsQueue; logger: Logger },
  messages: AnalyticsMessage[],
) {
  try {
    await enqueue(deps.analytics, messages);
  } catch (err) {
    deps.logger.error('analytics enqueue failed', { messages: messages.length, error: err });
    throw new ApiError('DEPENDENCY_UNAVAILABLE', 'The analytics queue is unavailable', {
      headers: { 'Retry-After': '5' },
      cause: err,
    });
  }
}

/** The audit entries carried by `messages` (domain events' rows), with their ids. */
export const auditEntriesOf = (messages: AnalyticsMessage[]) =>
  messages.flatMap((m): (AuditEntry & { id: string })[] => {
    if (m.kind === 'event' && m.audit) return [auditEntryOf(m.event_id, m.audit)];
    if (m.kind === 'activity') return [activityEntryOf(m)];
    return [];
  });

/** A service's activity report as an entry of the user's activity trail (its event id as id). */
const activityEntryOf = (m: ActivityMessage): AuditEntry & { id: string } => ({
  id: m.event_id,
  userId: m.user_id,
  action: 'service_activity',
  ip: null,
  userAgent: null,
  requestId: m.request_id,
  metadata: { service: m.service, action: m.action, resource: m.resource, details: m.metadata },
  at: new Date(m.timestamp),
});

/**
 * For domain events, after the answer: a failed send is logged and counted (`send_failed`,
 * /metrics), never the caller's failure. The audit rows the messages carry are then written
 * here, so the trail does not depend on the queue.
 */
export function publishInBackground(
  parts: { queue: AnalyticsQueue; db: Db; logger: Logger; defer: (p: Promise<unknown>) => void },
  messages: AnalyticsMessage[],
) {
  if (messages.length === 0) return;
  parts.defer(
    enqueue(parts.queue, messages).catch(async (err: unknown) => {
      parts.logger.error('analytics enqueue failed', { messages: messages.length, error: err });
      await Promise.all([
        bumpCounter(parts.db, 'send_failed', messages.length).catch((e: unknown) =>
          parts.logger.error('analytics counter write failed', { error: e }),
        ),
        insertAuditEntries(parts.db, auditEntriesOf(messages)).catch((e: unknown) =>
          parts.logger.error('audit write failed', { error: e }),
        ),
      ]);
    }),
  );
}

/** An audit entry as its queue message carries it (AuditRowSchema). */
function auditRowOf(e: AuditEntry): EventMessage['audit'] {
  return {
    action: e.action,
    user_id: e.userId,
    organization_id: e.organizationId ?? null,
    actor_id: e.actorId ?? null,
    ip: e.ip,
    user_agent: e.userAgent,
    request_id: e.requestId,
    metadata: e.metadata ?? {},
    at: e.at.getTime(),
  };
}

/** The entry back from its message; `id` is the event's. */
export function auditEntryOf(id: string, row: NonNullable<EventMessage['audit']>) {
  return {
    id,
    action: row.action as AuditAction,
    userId: row.user_id,
    organizationId: row.organization_id,
    actorId: row.actor_id,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    metadata: row.metadata,
    at: new Date(row.at),
  };
}

/** Metadata fields that never go to analytics: secrets by name, and addresses (personal data). */
const DROPPED = /^(email|ip|user_agent)$/;

/** A domain event's metadata as flat analytics properties (arrays joined, objects dropped). */
function propertiesOf(metadata: Record<string, unknown>): EventMessage['properties'] {
  const flat: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (DROPPED.test(key) || key === 'session_id') continue;
    if (Array.isArray(value)) flat[key] = value.map(String).join(',').slice(0, 512);
    else if (typeof value === 'string') flat[key] = value.slice(0, 512);
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null)
      flat[key] = value;
  }
  // The schema's rule, secret-looking names included: whatever fails it is left out.
  const checked = PropertiesSchema.safeParse(flat);
  if (checked.success) return checked.data;
  const bad = new Set(checked.error.issues.map((i) => String(i.path[0])));
  const kept = Object.fromEntries(Object.entries(flat).filter(([k]) => !bad.has(k)));
  return PropertiesSchema.safeParse(kept).data ?? {};
}

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v.slice(0, 64) : null);

/** The queue message of a domain event, with its audit row when the consumer is to write it. */
export function domainEventMessage(
  event: DomainEvent,
  at: number,
  audit?: AuditEntry,
): EventMessage {
  const metadata = ('metadata' in event && event.metadata ? event.metadata : {}) as Record<
    string,
    unknown
  >;
  return {
    kind: 'event',
    event_id: crypto.randomUUID(),
    timestamp: at,
    event_type: event.type,
    user_id: event.user_id,
    org_id:
      ('organization_id' in event ? str(event.organization_id) : null) ??
      str(metadata.organization_id) ??
      str(metadata.org_id),
    service: null,
    session_id: str(metadata.session_id),
    properties: propertiesOf(metadata),
    ...(audit && { audit: auditRowOf(audit) }),
  };
}
