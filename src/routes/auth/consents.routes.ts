import { createRoute, z } from '@hono/zod-openapi';
import { bearerAuth, errorResponses, jsonResponse, noContent } from '../../http/openapi';
import { requireAuth } from '../../http/middleware/require-auth';

const common = { tags: ['Identity provider'], security: bearerAuth, middleware: [requireAuth] };

const ConsentSchema = z
  .object({
    client_id: z.string(),
    client_name: z.string(),
    logo_uri: z.string().nullable(),
    scopes: z.array(z.string()),
    created_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('OAuthConsent');

const ConsentListSchema = z.object({ items: z.array(ConsentSchema) }).openapi('OAuthConsentList');

export const listConsents = createRoute({
  ...common,
  method: 'get',
  path: '/auth/consents',
  operationId: 'listConsents',
  summary: 'The apps the caller has let use their account',
  description: 'Each OAuth client the caller consented to, with the scopes granted.',
  responses: {
    200: jsonResponse(ConsentListSchema, 'Consents'),
    ...errorResponses(401, 503),
  },
});

export const withdrawConsent = createRoute({
  ...common,
  method: 'delete',
  path: '/auth/consents/{client_id}',
  operationId: 'withdrawConsent',
  summary: 'Withdraw a consent',
  description:
    "Ends that app's access: every refresh and access token it holds for the caller stops working, and its next sign-in asks for consent again.",
  request: {
    params: z.object({
      client_id: z
        .string()
        .max(64)
        .openapi({ param: { name: 'client_id', in: 'path' } }),
    }),
  },
  responses: {
    204: noContent('Withdrawn'),
    ...errorResponses(400, 401, 404, 413, 415, 422, 503),
  },
});
