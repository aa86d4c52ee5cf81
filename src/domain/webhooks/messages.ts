import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from './catalogue';

/**
 * What travels on the WEBHOOKS queue, validated by the consumer: an `event` is fanned out to
 * the endpoints that want it, one `delivery` message per (event, endpoint), each retried on its
 * own so that a failing endpoint never holds up another's.
 */
const buildSchema = () => {
  const EventMessageSchema = z.object({
    kind: z.literal('event'),
    /** The webhook-id: the same for every endpoint and every attempt of this event. */
    message_id: z.string().min(1).max(64),
    type: z.enum(WEBHOOK_EVENT_TYPES),
    organization_id: z.string().nullable(),
    /** When it happened, ms since the epoch. */
    timestamp: z.number().int().nonnegative(),
    data: z.record(z.string(), z.unknown()),
  });

  const DeliveryMessageSchema = z.object({
    kind: z.literal('delivery'),
    delivery_id: z.string().min(1).max(64),
  });

  return z.discriminatedUnion('kind', [EventMessageSchema, DeliveryMessageSchema]);
};

let schema: ReturnType<typeof buildSchema> | undefined;
/**
 * Built on first use, by the consumer: every request's events port imports this module, and a
 * cold isolate should not pay for schemas it never parses with.
 */
export const webhookMessageSchema = () => (schema ??= buildSchema());
export type WebhookMessage = z.infer<ReturnType<typeof buildSchema>>;
export type EventMessage = Extract<WebhookMessage, { kind: 'event' }>;

export type WebhooksQueue = Queue<WebhookMessage>;

// Cloudflare Queues: at most 100 messages per sendBatch.
const MAX_PER_SEND = 100;

/** Puts messages on the queue, in batches the platform accepts. */
export async function enqueueWebhooks(queue: WebhooksQueue, messages: WebhookMessage[]) {
  if (messages.length === 1) return queue.send(messages[0]!, { contentType: 'json' });
  for (let i = 0; i < messages.length; i += MAX_PER_SEND) {
    const chunk = messages.slice(i, i + MAX_PER_SEND);
    await queue.sendBatch(chunk.map((body) => ({ body, contentType: 'json' as const })));
  }
}

/** A new webhook-id (Standard Webhooks: unique per message, stable across attempts). */
export const newMessageId = () => `msg_${crypto.randomUUID().replaceAll('-', '')}`;
