import { candidateEndpoints, insertDeliveries } from '../../db/queries/webhooks';
import type { WebhookDelivery } from '../../db/schema';
import type { Db } from '../../db/client';
import { sha256 } from '../../lib/crypto';
import type { Logger } from '../../lib/logger';
import type { Published } from '../events';
import { webhookEventOf, type WebhookEventType } from './catalogue';
import { enqueueWebhooks, newMessageId, type EventMessage, type WebhooksQueue } from './messages';

/**
 * The events port's webhook subscriber, after the answer: the request's events that have a
 * webhook type go to the WEBHOOKS queue in one send; the consumer finds the endpoints. A failed
 * send is logged, never the caller's failure (the events stay in the audit trail).
 */
export function publishWebhookEvents(
  parts: { queue: WebhooksQueue; logger: Logger; defer: (p: Promise<unknown>) => void },
  events: Published[],
) {
  const messages = events.flatMap(({ event, at }): EventMessage[] => {
    const hook = webhookEventOf(event);
    if (!hook) return [];
    return [
      {
        kind: 'event',
        message_id: newMessageId(),
        type: hook.type,
        organization_id: hook.organizationId,
        timestamp: at,
        data: hook.data,
      },
    ];
  });
  if (messages.length === 0) return;
  parts.defer(
    enqueueWebhooks(parts.queue, messages).catch((err: unknown) =>
      parts.logger.error('webhook enqueue failed', { messages: messages.length, error: err }),
    ),
  );
}

/** The Standard Webhooks body: `{type, timestamp, data}`. */
export const webhookBody = (type: WebhookEventType, at: number, data: Record<string, unknown>) =>
  JSON.stringify({ type, timestamp: new Date(at).toISOString(), data });

/** The delivery id of (message, endpoint): a redelivered fan-out stores nothing twice. */
export const deliveryIdOf = async (messageId: string, endpointId: string) =>
  `dlv_${(await sha256(`${messageId}:${endpointId}`)).slice(0, 32)}`;

/** A new delivery row, pending. */
export const pendingDelivery = (
  id: string,
  endpointId: string,
  messageId: string,
  type: WebhookEventType,
  payload: string,
  now: Date,
): WebhookDelivery => ({
  id,
  endpointId,
  messageId,
  eventType: type,
  payload,
  status: 'pending',
  attempts: 0,
  lastStatusCode: null,
  lastError: null,
  nextAttemptAt: now,
  createdAt: now,
  updatedAt: now,
});

/**
 * The fan-out (the consumer's first stage): each event becomes one delivery per endpoint that
 * wants its type, the deployment's endpoints and its own organization's, never another's. The
 * delivery messages are sent again on a redelivered batch: at least once is the contract.
 */
export async function fanOut(
  deps: { db: Db; now: () => number; webhooks: WebhooksQueue },
  events: EventMessage[],
) {
  const byOrg = new Map<string | null, Promise<{ id: string; eventTypes: string[] }[]>>();
  const now = new Date(deps.now());
  const rows: WebhookDelivery[] = [];
  for (const e of events) {
    let candidates = byOrg.get(e.organization_id);
    if (!candidates) {
      candidates = Promise.resolve(candidateEndpoints(deps.db, e.organization_id));
      byOrg.set(e.organization_id, candidates);
    }
    const payload = webhookBody(e.type, e.timestamp, e.data);
    for (const endpoint of await candidates) {
      if (!endpoint.eventTypes.includes(e.type)) continue;
      const id = await deliveryIdOf(e.message_id, endpoint.id);
      rows.push(pendingDelivery(id, endpoint.id, e.message_id, e.type, payload, now));
    }
  }
  await insertDeliveries(deps.db, rows);
  await enqueueWebhooks(
    deps.webhooks,
    rows.map((r) => ({ kind: 'delivery', delivery_id: r.id })),
  );
  return rows.length;
}
