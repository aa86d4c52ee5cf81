import * as store from '../../db/queries/webhooks';
import { DELIVERY_STATUSES, type WebhookDelivery } from '../../db/schema';
import { ApiError, orUnavailable } from '../../lib/errors';
import { pageOf } from '../../lib/pagination';
import type { Deps } from '../deps';
import { reachableEndpoint } from './endpoints';
import { deliveryIdOf, pendingDelivery, webhookBody } from './fan-out';
import { enqueueWebhooks, newMessageId } from './messages';

// The delivery log's row is this module's, for the routes that show it.
export { DELIVERY_STATUSES, type WebhookDelivery };

type QueueDeps = Pick<Deps, 'db' | 'now' | 'webhooks' | 'events'>;

/** The audit entry of a send the manager asked for, on their own trail. */
const audited = (
  deps: QueueDeps,
  userId: string,
  endpoint: { id: string; organizationId: string | null },
  kind: 'test' | 'replay',
  deliveryId: string,
) =>
  deps.events.emit({
    type: 'webhook_sent',
    user_id: userId,
    actor_id: userId,
    organization_id: endpoint.organizationId,
    metadata: { endpoint_id: endpoint.id, kind, delivery_id: deliveryId },
  });

/** 503 when the queue refuses: 202 means the delivery is on its way. */
const queued = (deps: QueueDeps, deliveryId: string) =>
  orUnavailable('Webhooks queue', () =>
    enqueueWebhooks(deps.webhooks, [{ kind: 'delivery', delivery_id: deliveryId }]),
  );

/** Sends a `webhook.test` event to one endpoint (even one not subscribed to it); its message id. */
export async function sendTestEvent(deps: QueueDeps, userId: string, endpointId: string) {
  const endpoint = await reachableEndpoint(deps, userId, endpointId);
  const messageId = newMessageId();
  const now = deps.now();
  const id = await deliveryIdOf(messageId, endpoint.id);
  const payload = webhookBody('webhook.test', now, { endpoint_id: endpoint.id });
  await orUnavailable('Database', () =>
    store.insertDeliveries(deps.db, [
      pendingDelivery(id, endpoint.id, messageId, 'webhook.test', payload, new Date(now)),
    ]),
  );
  await queued(deps, id);
  audited(deps, userId, endpoint, 'test', id);
  return messageId;
}

/** An endpoint's delivery log, newest first. */
export async function listDeliveries(
  deps: Pick<Deps, 'db'>,
  userId: string,
  endpointId: string,
  page: { limit: number; cursor?: string | undefined },
) {
  await reachableEndpoint(deps, userId, endpointId);
  return pageOf(
    page,
    (q) => store.listDeliveries(deps.db, endpointId, q),
    (d) => ({ at: d.createdAt.getTime(), id: d.id }),
  );
}

/**
 * Sends a delivery again, with its body and webhook-id unchanged (a receiver that already has
 * it can tell). A delivery of a deleted endpoint is gone with it: 404.
 */
export async function replayDelivery(
  deps: QueueDeps,
  userId: string,
  deliveryId: string,
  /** The endpoint the delivery must be of (the console's address names it). */
  endpointId?: string,
) {
  const found = await orUnavailable('Database', () =>
    store.findDeliveryWithEndpoint(deps.db, deliveryId),
  );
  if (!found || (endpointId !== undefined && found.endpoint.id !== endpointId)) {
    throw new ApiError('NOT_FOUND', 'Delivery not found');
  }
  await reachableEndpoint(deps, userId, found.endpoint.id);
  await store.setDeliveryStatus(deps.db, deliveryId, 'pending', new Date(deps.now()));
  await queued(deps, deliveryId);
  audited(deps, userId, found.endpoint, 'replay', deliveryId);
}
