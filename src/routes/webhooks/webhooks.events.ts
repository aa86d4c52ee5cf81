import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { WEBHOOK_EVENT_TYPES, webhookDataSchemas } from '../../domain/webhooks/catalogue';
import type { AppEnv } from '../../http/app-env';
import { jsonBody, publicRoute } from '../../http/openapi';

/** What one event type is sent for, in the document's words. */
const SUMMARIES: Record<(typeof WEBHOOK_EVENT_TYPES)[number], string> = {
  'user.created':
    'An account was created (sign-up, an admin, a service, a first federated sign-in)',
  'user.updated':
    'A profile changed, an email was verified, global roles changed, or the account was suspended or reactivated',
  'user.deleted': 'An account was deleted',
  'user.locked': 'An account was locked after too many failed sign-ins',
  'session.created': 'A user signed in (a new session)',
  'session.revoked': 'A session ended: logout, or a reused refresh token revoked it',
  'password.changed': 'A password was changed or reset',
  'mfa.enabled': 'A second factor or passkey was added',
  'mfa.disabled': 'A second factor or passkey was removed, or an operator reset them',
  'organization.created': 'An organization was created',
  'organization.updated': "An organization's name, slug, tier or settings changed",
  'organization.deleted': 'An organization was deleted',
  'member.added': 'A user joined an organization',
  'member.updated': "A member's org role changed",
  'member.removed': 'A member left or was removed',
  'invitation.created': 'An invitation to join an organization was sent',
  'invitation.accepted': 'An invitation was accepted',
  'invitation.revoked': 'An invitation was revoked',
  'webhook.test': 'A test event (POST /webhooks/endpoints/{endpoint_id}/test)',
};

const SIGNATURE =
  'Standard Webhooks: `webhook-signature` holds `v1,<base64 HMAC-SHA256 of "webhook-id.webhook-timestamp.body">` under the endpoint secret (the base64 after `whsec_`), two space-separated for 24 h after a rotation. Verify it, and that the timestamp is recent, before trusting the body (docs/webhooks.md). Any 2xx within 10 s acknowledges the delivery; anything else (a redirect included: never followed) is retried with exponential back-off for about a day, with the same webhook-id, so deduplicate on it.';

const Headers = z.object({
  'webhook-id': z.string().openapi({ example: 'msg_2c3e5d0f9a8b4c7d8e1f0a2b3c4d5e6f' }),
  'webhook-timestamp': z.string().openapi({ description: 'Seconds since the epoch' }),
  'webhook-signature': z
    .string()
    .openapi({ example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=' }),
});

/**
 * The OpenAPI 3.1 `webhooks` section: one entry per event type, its body the Standard Webhooks
 * envelope around the type's `data` (domain/webhooks/catalogue.ts), so typed clients get them.
 */
export function registerWebhookEvents(router: OpenAPIHono<AppEnv>) {
  const data = webhookDataSchemas();
  for (const type of WEBHOOK_EVENT_TYPES) {
    const name = type
      .split('.')
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join('');
    const body = z
      .object({
        type: z.literal(type),
        timestamp: z.string().openapi({ format: 'date-time', description: 'When it happened' }),
        data: data[type],
      })
      .openapi(`${name}Event`);
    router.openAPIRegistry.registerWebhook({
      method: 'post',
      path: type,
      operationId: `${name}Webhook`,
      tags: ['Webhooks'],
      // The receiver is called, not this API: the signature is what authenticates the call.
      security: publicRoute,
      summary: SUMMARIES[type],
      description: SIGNATURE,
      request: { headers: Headers, body: jsonBody(body) },
      responses: { 200: { description: 'Any 2xx acknowledges the delivery' } },
    });
  }
}
