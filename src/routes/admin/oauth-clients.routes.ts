import { createRoute, z } from '@hono/zod-openapi';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, noContent } from '../../http/openapi';
import { requireAdmin } from '../../http/middleware/require-service';
import {
  ClientListSchema,
  ClientSchema,
  CreateClientSchema,
  CreatedClientSchema,
  UpdateClientSchema,
} from '../../http/oauth-client-schemas';

const admin = { tags: ['Identity provider'], security: bearerAuth, middleware: [requireAdmin] };

const ClientIdParamSchema = z.object({
  client_id: z
    .string()
    .max(64)
    .openapi({ param: { name: 'client_id', in: 'path' }, example: 'oc_3q2b9Xv0aLk1mN4pQ7rS8t' }),
});

export const listOAuthClients = createRoute({
  ...admin,
  method: 'get',
  path: '/admin/oauth/clients',
  operationId: 'listOAuthClients',
  summary: 'List the OAuth clients',
  description: 'Every relying party of the identity provider (never a secret). Admins only.',
  responses: { 200: jsonResponse(ClientListSchema, 'Clients'), ...errorResponses(401, 403, 503) },
});

export const createOAuthClient = createRoute({
  ...admin,
  method: 'post',
  path: '/admin/oauth/clients',
  operationId: 'createOAuthClient',
  summary: 'Register an OAuth client',
  description:
    'A relying party: exact redirect URIs, its grants, the scopes it may ask for, its token-endpoint authentication (`none` for a public client: PKCE alone) and its ID-token algorithm (RS256 by default). The secret of a confidential client is in this answer only; only its hash is stored. Admins only.',
  request: { body: jsonBody(CreateClientSchema) },
  responses: {
    201: jsonResponse(CreatedClientSchema, 'Registered; the secret is shown this once'),
    ...errorResponses(400, 401, 403, 413, 415, 422, 503),
  },
});

export const getOAuthClient = createRoute({
  ...admin,
  method: 'get',
  path: '/admin/oauth/clients/{client_id}',
  operationId: 'getOAuthClient',
  summary: 'An OAuth client',
  description: 'Its settings (never its secret). Admins only.',
  request: { params: ClientIdParamSchema },
  responses: {
    200: jsonResponse(ClientSchema, 'The client'),
    ...errorResponses(401, 403, 404, 503),
  },
});

export const updateOAuthClient = createRoute({
  ...admin,
  method: 'patch',
  path: '/admin/oauth/clients/{client_id}',
  operationId: 'updateOAuthClient',
  summary: 'Change an OAuth client',
  description:
    'The fields sent replace the stored ones. A client stays public or confidential (register a new one to change that). Admins only.',
  request: { params: ClientIdParamSchema, body: jsonBody(UpdateClientSchema) },
  responses: {
    200: jsonResponse(ClientSchema, 'The client after the change'),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503),
  },
});

export const deleteOAuthClient = createRoute({
  ...admin,
  method: 'delete',
  path: '/admin/oauth/clients/{client_id}',
  operationId: 'deleteOAuthClient',
  summary: 'Delete an OAuth client',
  description:
    'Ends every session its grants hold (their tokens stop working), then removes the client with its codes and consents. Admins only.',
  request: { params: ClientIdParamSchema },
  responses: {
    204: noContent('Deleted'),
    ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503),
  },
});
