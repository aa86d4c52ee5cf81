import { createRoute } from '@hono/zod-openapi';
import { errorResponses, jsonResponse, publicRoute } from '../../http/openapi';
import { ProtectedResourceSchema, ServerMetadataSchema } from './discovery.schemas';

const tags = ['Identity provider'];

export const openIdConfiguration = createRoute({
  method: 'get',
  path: '/.well-known/openid-configuration',
  operationId: 'getOpenIdConfiguration',
  security: publicRoute,
  tags,
  summary: 'OpenID Connect Discovery 1.0',
  description:
    'The identity provider: its endpoints, scopes, grants, client authentication methods and ID-token algorithms (RS256 and EdDSA). Public, cacheable.',
  responses: {
    200: jsonResponse(ServerMetadataSchema, 'Provider metadata'),
    ...errorResponses(503),
  },
});

export const authorizationServer = createRoute({
  method: 'get',
  path: '/.well-known/oauth-authorization-server',
  operationId: 'getAuthorizationServerMetadata',
  security: publicRoute,
  tags,
  summary: 'OAuth 2.0 authorization server metadata (RFC 8414)',
  description: 'The same document as the OpenID Connect discovery one. Public, cacheable.',
  responses: { 200: jsonResponse(ServerMetadataSchema, 'Server metadata'), ...errorResponses(503) },
});

export const protectedResource = createRoute({
  method: 'get',
  path: '/.well-known/oauth-protected-resource',
  operationId: 'getProtectedResourceMetadata',
  security: publicRoute,
  tags,
  summary: 'OAuth 2.0 protected resource metadata (RFC 9728)',
  description:
    'This worker as a resource (userinfo) and where its tokens come from, for MCP clients. Public.',
  responses: { 200: jsonResponse(ProtectedResourceSchema, 'Resource metadata') },
});
