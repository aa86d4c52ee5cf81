import { z } from '@hono/zod-openapi';

const url = z.string().openapi({ format: 'uri' });

export const ServerMetadataSchema = z
  .looseObject({
    issuer: url,
    authorization_endpoint: url,
    token_endpoint: url,
    userinfo_endpoint: url,
    revocation_endpoint: url,
    introspection_endpoint: url,
    jwks_uri: url,
    registration_endpoint: url.optional(),
    scopes_supported: z.array(z.string()),
    response_types_supported: z.array(z.string()),
    grant_types_supported: z.array(z.string()),
    id_token_signing_alg_values_supported: z.array(z.string()).openapi({
      description: 'RS256 (when JWT_RSA_SIGNING_KEYS is set: the default) and EdDSA',
    }),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    code_challenge_methods_supported: z.array(z.string()),
  })
  .openapi('AuthorizationServerMetadata');

export const ProtectedResourceSchema = z
  .looseObject({
    resource: url,
    authorization_servers: z.array(url),
    scopes_supported: z.array(z.string()),
    bearer_methods_supported: z.array(z.string()),
  })
  .openapi('ProtectedResourceMetadata');
