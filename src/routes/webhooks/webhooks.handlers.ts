import * as deliveries from '../../domain/webhooks/deliveries';
import * as endpoints from '../../domain/webhooks/endpoints';
import type { AppRouteHandler } from '../../http/app-env';
import { userOf } from '../../http/middleware/require-auth';
import type * as routes from './webhooks.routes';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

// The secrets stay out: shown once, by createEndpoint and rotateSecret only.
const endpointJson = (e: endpoints.WebhookEndpoint) => ({
  endpoint_id: e.id,
  organization_id: e.organizationId,
  url: e.url,
  description: e.description,
  event_types: e.eventTypes as endpoints.NewEndpoint['eventTypes'],
  disabled: e.disabled,
  failing_since: iso(e.failingSince),
  created_at: e.createdAt.toISOString(),
  updated_at: e.updatedAt.toISOString(),
});

const deliveryJson = (d: deliveries.WebhookDelivery) => ({
  delivery_id: d.id,
  message_id: d.messageId,
  event_type: d.eventType as endpoints.NewEndpoint['eventTypes'][number],
  status: d.status,
  attempts: d.attempts,
  last_status_code: d.lastStatusCode,
  last_error: d.lastError,
  next_attempt_at: iso(d.nextAttemptAt),
  created_at: d.createdAt.toISOString(),
});

export const createEndpoint: AppRouteHandler<typeof routes.createEndpoint> = async (c) => {
  const body = c.req.valid('json');
  const { endpoint, secret } = await endpoints.createEndpoint(c.var.deps, userOf(c).userId, {
    url: body.url,
    eventTypes: body.event_types,
    description: body.description,
    organizationId: body.organization_id,
  });
  c.header('Cache-Control', 'no-store');
  return c.json({ ...endpointJson(endpoint), secret }, 201);
};

export const listEndpoints: AppRouteHandler<typeof routes.listEndpoints> = async (c) => {
  const { organization_id, ...page } = c.req.valid('query');
  const result = await endpoints.listEndpoints(
    c.var.deps,
    userOf(c).userId,
    organization_id ?? null,
    page,
  );
  return c.json({ items: result.items.map(endpointJson), next_cursor: result.next_cursor }, 200);
};

export const getEndpoint: AppRouteHandler<typeof routes.getEndpoint> = async (c) => {
  const { endpoint_id } = c.req.valid('param');
  const e = await endpoints.reachableEndpoint(c.var.deps, userOf(c).userId, endpoint_id);
  return c.json(endpointJson(e), 200);
};

export const updateEndpoint: AppRouteHandler<typeof routes.updateEndpoint> = async (c) => {
  const { endpoint_id } = c.req.valid('param');
  const body = c.req.valid('json');
  const e = await endpoints.updateEndpoint(c.var.deps, userOf(c).userId, endpoint_id, {
    url: body.url,
    eventTypes: body.event_types,
    description: body.description,
    disabled: body.disabled,
  });
  return c.json(endpointJson(e), 200);
};

export const deleteEndpoint: AppRouteHandler<typeof routes.deleteEndpoint> = async (c) => {
  const { endpoint_id } = c.req.valid('param');
  await endpoints.deleteEndpoint(c.var.deps, userOf(c).userId, endpoint_id);
  return c.body(null, 204);
};

export const rotateSecret: AppRouteHandler<typeof routes.rotateSecret> = async (c) => {
  const { endpoint_id } = c.req.valid('param');
  const secret = await endpoints.rotateSecret(c.var.deps, userOf(c).userId, endpoint_id);
  c.header('Cache-Control', 'no-store');
  return c.json({ secret }, 200);
};

export const sendTestEvent: AppRouteHandler<typeof routes.sendTestEvent> = async (c) => {
  const { endpoint_id } = c.req.valid('param');
  const messageId = await deliveries.sendTestEvent(c.var.deps, userOf(c).userId, endpoint_id);
  return c.json({ message_id: messageId }, 202);
};

export const listDeliveries: AppRouteHandler<typeof routes.listDeliveries> = async (c) => {
  const { endpoint_id } = c.req.valid('param');
  const page = await deliveries.listDeliveries(
    c.var.deps,
    userOf(c).userId,
    endpoint_id,
    c.req.valid('query'),
  );
  return c.json({ items: page.items.map(deliveryJson), next_cursor: page.next_cursor }, 200);
};

export const replayDelivery: AppRouteHandler<typeof routes.replayDelivery> = async (c) => {
  const { delivery_id } = c.req.valid('param');
  await deliveries.replayDelivery(c.var.deps, userOf(c).userId, delivery_id);
  return c.json({}, 202);
};
