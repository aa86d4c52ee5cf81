import { z } from '@hono/zod-openapi';
import { DELIVERY_STATUSES } from '../../domain/webhooks/deliveries';
import { WEBHOOK_EVENT_TYPES } from '../../domain/webhooks/catalogue';
import { PageQuerySchema, pageOf } from '../../http/pagination';

const Timestamp = z.string().openapi({ format: 'date-time' });
const EndpointId = z.string().min(1).max(64);

const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES).openapi('WebhookEventType');

const UrlField = z.string().max(2048).openapi({
  example: 'https://hooks.example.com/edge-auth',
  description:
    'https:// on a public address outside development (422 INVALID_WEBHOOK_URL otherwise); checked again before every delivery',
});
const EventTypesField = z.array(WebhookEventTypeSchema).min(1).max(WEBHOOK_EVENT_TYPES.length);
const DescriptionField = z.string().max(500);

export const CreateEndpointSchema = z
  .strictObject({
    url: UrlField,
    event_types: EventTypesField,
    description: DescriptionField.optional(),
    organization_id: z.string().min(1).max(64).optional().openapi({
      description:
        "An organization's endpoint (its admins and owners manage it; it receives only that organization's events). Absent: a deployment endpoint (administrators), which receives every event.",
    }),
  })
  .openapi('CreateWebhookEndpoint');

export const UpdateEndpointSchema = z
  .strictObject({
    url: UrlField.optional(),
    event_types: EventTypesField.optional(),
    description: DescriptionField.optional(),
    disabled: z.boolean().optional().openapi({
      description: 'false enables an endpoint again (also one disabled after 5 days of failures)',
    }),
  })
  .openapi('UpdateWebhookEndpoint');

export const EndpointSchema = z
  .object({
    endpoint_id: z.string(),
    organization_id: z.string().nullable(),
    url: z.string(),
    description: z.string(),
    event_types: z.array(WebhookEventTypeSchema),
    disabled: z.boolean(),
    failing_since: Timestamp.nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi('WebhookEndpoint');

export const EndpointPageSchema = pageOf(EndpointSchema).openapi('WebhookEndpointPage');

export const CreatedEndpointSchema = EndpointSchema.extend({
  secret: z.string().openapi({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The signing secret, shown this once',
  }),
}).openapi('CreatedWebhookEndpoint');

export const SecretSchema = z
  .object({ secret: z.string().openapi({ description: 'The new signing secret, shown once' }) })
  .openapi('WebhookSecret');

export const MessageIdSchema = z
  .object({ message_id: z.string().openapi({ description: 'The webhook-id of the event' }) })
  .openapi('WebhookMessageId');

const DeliverySchema = z
  .object({
    delivery_id: z.string(),
    message_id: z.string(),
    event_type: WebhookEventTypeSchema,
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    next_attempt_at: Timestamp.nullable(),
    created_at: Timestamp,
  })
  .openapi('WebhookDelivery');

export const DeliveryPageSchema = pageOf(DeliverySchema).openapi('WebhookDeliveryPage');

export const EndpointListQuerySchema = PageQuerySchema.extend({
  organization_id: z.string().min(1).max(64).optional().openapi({
    description: "An organization's endpoints; absent: the deployment's (administrators)",
  }),
});

export const EndpointParamSchema = z.object({
  endpoint_id: EndpointId.openapi({ param: { name: 'endpoint_id', in: 'path' } }),
});

export const DeliveryParamSchema = z.object({
  delivery_id: EndpointId.openapi({ param: { name: 'delivery_id', in: 'path' } }),
});
