import { createRoute, z } from '@hono/zod-openapi';
import { requireAuth } from '../../http/middleware/require-auth';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, noContent } from '../../http/openapi';
import { PageQuerySchema } from '../../http/pagination';
import {
  CreatedEndpointSchema,
  CreateEndpointSchema,
  DeliveryPageSchema,
  DeliveryParamSchema,
  EndpointListQuerySchema,
  EndpointPageSchema,
  EndpointParamSchema,
  EndpointSchema,
  MessageIdSchema,
  SecretSchema,
  UpdateEndpointSchema,
} from './webhooks.schemas';

const common = { tags: ['Webhooks'], security: bearerAuth, middleware: [requireAuth] };

/** Said once per route: who manages which endpoint. */
const ACCESS =
  "A deployment endpoint is managed by administrators; an organization's by its admins and owners (a global admin acts as an owner). Anyone else gets 404 for an endpoint id: its existence is not revealed.";

// Every non-GET route, even one without a body, passes the app's body guard (400, 413, 415).
const withBody = [400, 401, 403, 404, 413, 415, 422, 503] as const;

export const createEndpoint = createRoute({
  ...common,
  method: 'post',
  path: '/webhooks/endpoints',
  operationId: 'createWebhookEndpoint',
  summary: 'Add a webhook endpoint',
  description: `Events of the types listed are delivered to the URL, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) with the \`whsec_\` secret returned here once. Outside development the URL must be https:// on a public address (422 INVALID_WEBHOOK_URL); unknown event types answer 422. Without organization_id it is a deployment endpoint (administrators: 403 otherwise); with it, an endpoint of that organization (its admins and owners), which receives only that organization's events. 503 when MFA_ENCRYPTION_KEY, which seals the secret, is not configured.`,
  request: { body: jsonBody(CreateEndpointSchema) },
  responses: {
    201: jsonResponse(CreatedEndpointSchema, 'Created, with its secret (shown once)'),
    ...errorResponses(...withBody),
  },
});

export const listEndpoints = createRoute({
  ...common,
  method: 'get',
  path: '/webhooks/endpoints',
  operationId: 'listWebhookEndpoints',
  summary: 'Webhook endpoints',
  description: `The deployment's endpoints (administrators), or an organization's with organization_id; newest first, paginated. Secrets are never shown again. ${ACCESS}`,
  request: { query: EndpointListQuerySchema },
  responses: {
    200: jsonResponse(EndpointPageSchema, 'A page of endpoints'),
    ...errorResponses(400, 401, 403, 404, 422, 503),
  },
});

export const getEndpoint = createRoute({
  ...common,
  method: 'get',
  path: '/webhooks/endpoints/{endpoint_id}',
  operationId: 'getWebhookEndpoint',
  summary: 'A webhook endpoint',
  description: ACCESS,
  request: { params: EndpointParamSchema },
  responses: {
    200: jsonResponse(EndpointSchema, 'The endpoint'),
    ...errorResponses(401, 404, 422, 503),
  },
});

export const updateEndpoint = createRoute({
  ...common,
  method: 'patch',
  path: '/webhooks/endpoints/{endpoint_id}',
  operationId: 'updateWebhookEndpoint',
  summary: 'Change a webhook endpoint',
  description: `Only the fields sent change. \`disabled: false\` enables an endpoint again, also one disabled after failing for 5 days; deliveries that died meanwhile can be replayed. ${ACCESS}`,
  request: { params: EndpointParamSchema, body: jsonBody(UpdateEndpointSchema) },
  responses: {
    200: jsonResponse(EndpointSchema, 'The endpoint after the change'),
    ...errorResponses(...withBody),
  },
});

export const deleteEndpoint = createRoute({
  ...common,
  method: 'delete',
  path: '/webhooks/endpoints/{endpoint_id}',
  operationId: 'deleteWebhookEndpoint',
  summary: 'Delete a webhook endpoint',
  description: `Its deliveries go with it: nothing queued for it is sent, and none can be replayed. ${ACCESS}`,
  request: { params: EndpointParamSchema },
  responses: { 204: noContent('Deleted'), ...errorResponses(...withBody) },
});

export const rotateSecret = createRoute({
  ...common,
  method: 'post',
  path: '/webhooks/endpoints/{endpoint_id}/rotate-secret',
  operationId: 'rotateWebhookSecret',
  summary: "Rotate an endpoint's signing secret",
  description: `Returns the new secret once. For 24 hours the old one keeps signing beside it: each delivery carries two signatures in webhook-signature (space-separated), so a receiver verifies with either while it switches. ${ACCESS}`,
  request: { params: EndpointParamSchema },
  responses: {
    200: jsonResponse(SecretSchema, 'The new secret'),
    ...errorResponses(...withBody),
  },
});

export const sendTestEvent = createRoute({
  ...common,
  method: 'post',
  path: '/webhooks/endpoints/{endpoint_id}/test',
  operationId: 'sendWebhookTestEvent',
  summary: 'Send a webhook.test event',
  description: `Queues a \`webhook.test\` event for this endpoint (whatever its event types) and answers with its webhook-id; the delivery log shows how it went. ${ACCESS}`,
  request: { params: EndpointParamSchema },
  responses: {
    202: jsonResponse(MessageIdSchema, 'Queued'),
    ...errorResponses(...withBody),
  },
});

export const listDeliveries = createRoute({
  ...common,
  method: 'get',
  path: '/webhooks/endpoints/{endpoint_id}/deliveries',
  operationId: 'listWebhookDeliveries',
  summary: "An endpoint's delivery log",
  description: `Newest first, paginated. status: pending (queued), succeeded, failed (the last attempt failed; next_attempt_at says when the next one runs), dead (every attempt failed: about a day of exponential back-off). ${ACCESS}`,
  request: { params: EndpointParamSchema, query: PageQuerySchema },
  responses: {
    200: jsonResponse(DeliveryPageSchema, 'A page of deliveries'),
    ...errorResponses(400, 401, 404, 422, 503),
  },
});

export const replayDelivery = createRoute({
  ...common,
  method: 'post',
  path: '/webhooks/deliveries/{delivery_id}/replay',
  operationId: 'replayWebhookDelivery',
  summary: 'Send a delivery again',
  description: `Queues the same body with the same webhook-id again, whatever its status. A delivery of a deleted endpoint is gone with it (404). ${ACCESS}`,
  request: { params: DeliveryParamSchema },
  responses: {
    202: jsonResponse(z.object({}).openapi('Queued'), 'Queued'),
    ...errorResponses(...withBody),
  },
});
