import { z } from '@hono/zod-openapi';
import { headerRefs } from '../../http/openapi-headers';
import { RedirectUriSchema } from '../../http/oauth-client-schemas';

/** RFC 6749 §5.2: the OAuth endpoints' error body (not the API's usual one). */
export const OAuthErrorSchema = z
  .object({
    error: z.string().openapi({ example: 'invalid_grant' }),
    error_description: z.string().optional(),
  })
  .openapi('OAuthError');

/** Error entries with the RFC 6749 body, for createRoute. */
export const oauthErrors = <const S extends readonly number[]>(...statuses: S) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: 'RFC 6749 error',
        headers: s === 503 ? headerRefs('X-Request-ID', 'Retry-After') : headerRefs('X-Request-ID'),
        content: { 'application/json': { schema: OAuthErrorSchema } },
      },
    ]),
  ) as unknown as Record<
    S[number],
    { description: string; content: { 'application/json': { schema: typeof OAuthErrorSchema } } }
  >;

/**
 * The token request (RFC 6749 §4.1.3, §6, §4.4; RFC 7636; RFC 8707). Unknown parameters are
 * ignored (§3.2); which ones a grant needs is the domain's check.
 */
export const TokenRequestSchema = z
  .looseObject({
    grant_type: z.string().max(64),
    code: z.string().max(256).optional(),
    redirect_uri: z.string().max(2048).optional(),
    code_verifier: z.string().max(128).optional(),
    refresh_token: z.string().max(256).optional(),
    scope: z.string().max(2048).optional(),
    resource: z.string().max(2048).optional(),
    client_id: z.string().max(64).optional(),
    client_secret: z.string().max(256).optional(),
  })
  .openapi('OAuthTokenRequest');

export const TokenResponseSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    scope: z.string(),
    id_token: z.string().optional(),
    refresh_token: z.string().optional(),
  })
  .openapi('OAuthTokenResponse');

export const UserinfoSchema = z
  .looseObject({
    sub: z.string(),
    email: z.string().optional(),
    email_verified: z.boolean().optional(),
    name: z.string().optional(),
    organizations: z.array(z.object({ id: z.string(), role: z.string() })).optional(),
  })
  .openapi('Userinfo');

/** RFC 7009 / RFC 7662 requests: the token, a hint (ignored: both kinds are tried). */
export const TokenOnlySchema = z
  .looseObject({
    token: z.string().max(4096),
    token_type_hint: z.string().max(64).optional(),
    client_id: z.string().max(64).optional(),
    client_secret: z.string().max(256).optional(),
  })
  .openapi('OAuthTokenOnlyRequest');

export const IntrospectionSchema = z
  .looseObject({
    active: z.boolean(),
    client_id: z.string().optional(),
    scope: z.string().optional(),
    sub: z.string().optional(),
    aud: z.union([z.string(), z.array(z.string())]).optional(),
    iss: z.string().optional(),
    exp: z.number().optional(),
    iat: z.number().optional(),
    token_type: z.string().optional(),
  })
  .openapi('OAuthIntrospection');

/** RFC 7591 §2: the metadata a client registers itself with (`scope` space-separated). */
export const RegistrationSchema = z
  .looseObject({
    redirect_uris: z.array(RedirectUriSchema).min(1).max(10),
    client_name: z.string().trim().min(1).max(100).default('Unnamed app'),
    logo_uri: z
      .string()
      .max(2048)
      .refine((v) => URL.canParse(v) && new URL(v).protocol === 'https:', 'an https URL')
      .optional(),
    grant_types: z
      .array(z.enum(['authorization_code', 'refresh_token']))
      .min(1)
      .default(['authorization_code', 'refresh_token']),
    response_types: z.array(z.literal('code')).optional(),
    token_endpoint_auth_method: z
      .enum(['client_secret_basic', 'client_secret_post', 'none'])
      .default('client_secret_basic'),
    scope: z.string().max(1024).default('openid profile email offline_access'),
    id_token_signed_response_alg: z.enum(['RS256', 'EdDSA']).default('RS256'),
  })
  .openapi('OAuthClientRegistration');

export const RegisteredSchema = z
  .looseObject({
    client_id: z.string(),
    client_secret: z.string().optional(),
    client_id_issued_at: z.number().int(),
    client_secret_expires_at: z.number().int().optional(),
    redirect_uris: z.array(z.string()),
    client_name: z.string(),
    grant_types: z.array(z.string()),
    token_endpoint_auth_method: z.string(),
    scope: z.string(),
  })
  .openapi('OAuthClientRegistered');
