import { setDeliveryStatus } from '../../db/queries/webhooks';
import type { Logger } from '../../lib/logger';
import { deliverOnce, type DeliveryDeps } from './delivery';
import { fanOut } from './fan-out';
import { webhookMessageSchema, type EventMessage, type WebhooksQueue } from './messages';

/** When the consumer itself cannot work (D1 down, no key): try the message again in a minute. */
const TRY_AGAIN_SECONDS = 60;

export type ConsumerDeps = Omit<DeliveryDeps, 'keyring'> & {
  keyring: DeliveryDeps['keyring'] | undefined;
  webhooks: WebhooksQueue;
};

/**
 * The WEBHOOKS queue's consumer: events are fanned out to delivery messages (one D1 batch for
 * the batch's events), and deliveries are attempted side by side, each acked or retried on its
 * own, so a slow or failing receiver never holds up another endpoint's delivery.
 */
export async function consumeWebhooks(deps: ConsumerDeps, batch: MessageBatch<unknown>) {
  const events: { message: Message; event: EventMessage }[] = [];
  const deliveries: { message: Message; id: string }[] = [];
  for (const message of batch.messages) {
    const parsed = webhookMessageSchema().safeParse(message.body);
    if (!parsed.success) {
      deps.logger.warn('webhook message rejected', { message_id: message.id });
      message.ack();
    } else if (parsed.data.kind === 'event') events.push({ message, event: parsed.data });
    else deliveries.push({ message, id: parsed.data.delivery_id });
  }
  const work: Promise<unknown>[] = [];
  if (events.length) {
    work.push(
      fanOut(
        deps,
        events.map((e) => e.event),
      ).then(
        () => events.forEach((e) => e.message.ack()),
        (err: unknown) => retryAll(deps.logger, 'webhook fan-out failed', events, err),
      ),
    );
  }
  const keyring = deps.keyring;
  if (deliveries.length && !keyring) {
    retryAll(deps.logger, 'webhooks not signed: MFA_ENCRYPTION_KEY is not configured', deliveries);
  } else if (keyring) {
    for (const d of deliveries) {
      work.push(
        deliverOnce({ ...deps, keyring }, d.message, d.id).catch((err: unknown) =>
          retryAll(deps.logger, 'webhook delivery failed', [d], err),
        ),
      );
    }
  }
  await Promise.all(work);
}

function retryAll(logger: Logger, what: string, items: { message: Message }[], err?: unknown) {
  logger.error(what, { messages: items.length, error: err });
  for (const { message } of items) message.retry({ delaySeconds: TRY_AGAIN_SECONDS });
}

/**
 * The webhooks dead-letter queue: messages the consumer itself kept failing on. A delivery is
 * marked dead, so its log says so and a replay can send it again; an event is logged.
 */
export async function recordWebhookDeadLetters(
  deps: Pick<ConsumerDeps, 'db' | 'logger' | 'now'>,
  batch: MessageBatch<unknown>,
) {
  for (const message of batch.messages) {
    const parsed = webhookMessageSchema().safeParse(message.body);
    if (parsed.success && parsed.data.kind === 'delivery') {
      await setDeliveryStatus(
        deps.db,
        parsed.data.delivery_id,
        'dead',
        new Date(deps.now()),
        'dead-lettered',
      );
    } else {
      deps.logger.error('webhook event dead-lettered', { message_id: message.id });
    }
    message.ack();
  }
}
