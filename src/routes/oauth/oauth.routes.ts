import { createRoute, z } from '@hono/zod-openapi';
import { headerRefs } from '../../http/openapi-headers';
import {
  bearerAuth,
  errorResponses,
  jsonResponse,
  noContent,
  publicRoute,
  serviceAuth,
} from '../../http/openapi';
import { limitByIp } from '../../http/middleware/rate-limit';
import {
  IntrospectionSchema,
  RegisteredSchema,
  RegistrationSchema,
  oauthErrors,
  TokenOnlySchema,
  TokenRequestSchema,
  TokenResponseSchema,
  UserinfoSchema,
} from './oauth.schemas';

const tags = ['Identity provider'];

/** A form-encoded body (the RFCs' encoding), for createRoute. */
const formBody = <T extends Parameters<typeof jsonResponse>[0]>(schema: T) => ({
  required: true,
  content: { 'application/x-www-form-urlencoded': { schema } },
});

export const token = createRoute({
  method: 'post',
  path: '/oauth/token',
  operationId: 'oauthToken',
  middleware: [limitByIp('refresh')],
  // Client authentication is part of the request (Basic header or form fields), per RFC 6749.
  security: publicRoute,
  tags,
  summary: 'Token endpoint (RFC 6749)',
  description:
    'Grants `authorization_code` (PKCE S256, single use, 60 s, bound to the client and redirect URI; a reused code revokes what it issued), `refresh_token` (rotated, with the /auth/refresh reuse interval) and `client_credentials`. Client authentication: `client_secret_basic`, `client_secret_post` or `none` (public clients). The access token is a JWT for the client (or the RFC 8707 `resource`); the ID token (with `openid`, at the code exchange and again on each refresh, without a nonce and with the original auth_time) is RS256 unless the client registered EdDSA.',
  request: { body: formBody(TokenRequestSchema) },
  responses: {
    200: jsonResponse(TokenResponseSchema, 'Tokens (Cache-Control: no-store)'),
    ...oauthErrors(400, 401, 503),
    ...errorResponses(413),
  },
});

const userinfoRoute = (method: 'get' | 'post') =>
  createRoute({
    method,
    path: '/oauth/userinfo',
    operationId: method === 'get' ? 'oauthUserinfo' : 'oauthUserinfoPost',
    security: bearerAuth,
    tags,
    summary: 'UserInfo (OpenID Connect Core §5.3)',
    description:
      'The claims of the scopes the access token holds (`openid` required): `sub`; `email`, `email_verified` (email); `name` (profile); `organizations` (organizations). A token of an ended grant is refused.',
    responses: {
      200: jsonResponse(UserinfoSchema, 'Claims'),
      ...oauthErrors(401, 403, 503),
      ...errorResponses(413),
    },
  });

export const userinfo = userinfoRoute('get');
export const userinfoPost = userinfoRoute('post');

export const revoke = createRoute({
  method: 'post',
  path: '/oauth/revoke',
  operationId: 'oauthRevoke',
  security: publicRoute,
  tags,
  summary: 'Token revocation (RFC 7009)',
  description:
    'Ends the grant a refresh or access token of the calling client belongs to (every token of that grant stops working). An unknown, invalid or foreign token also answers 200 (RFC 7009 §2.2).',
  request: { body: formBody(TokenOnlySchema) },
  responses: {
    200: noContent('Revoked, or nothing to revoke'),
    ...oauthErrors(400, 401, 503),
    ...errorResponses(413),
  },
});

export const introspect = createRoute({
  method: 'post',
  path: '/oauth/introspect',
  operationId: 'oauthIntrospect',
  security: [{}, ...serviceAuth],
  tags,
  summary: 'Token introspection (RFC 7662)',
  description:
    'Whether an access token is active (signature, lifetime, its grant not ended) and its claims. A confidential client (client_secret_basic or client_secret_post) sees only tokens issued to it or meant for it; a service key with `tokens:validate` (X-API-Key) sees any.',
  request: { body: formBody(TokenOnlySchema) },
  responses: {
    200: jsonResponse(IntrospectionSchema, '`{active: false}` or the claims'),
    ...oauthErrors(400, 401, 503),
    ...errorResponses(413),
  },
});

export const register = createRoute({
  method: 'post',
  path: '/oauth/register',
  operationId: 'oauthRegister',
  security: publicRoute,
  middleware: [limitByIp('register')],
  tags,
  summary: 'Dynamic client registration (RFC 7591)',
  description:
    'Only when OAUTH_DYNAMIC_REGISTRATION=true (404 otherwise). A self-registered client may use the code flow (authorization_code, refresh_token) and the built-in scopes; the secret of a confidential client is in this answer only. Errors: `invalid_client_metadata`, `invalid_redirect_uri`.',
  request: {
    body: { required: true, content: { 'application/json': { schema: RegistrationSchema } } },
  },
  responses: {
    201: jsonResponse(RegisteredSchema, 'Registered'),
    ...oauthErrors(400, 404, 503),
    // Before the route, the body checks every JSON route shares answer in the API's shape.
    ...errorResponses(413, 415),
  },
});

const AuthorizeQuerySchema = z.object({
  response_type: z.literal('code'),
  client_id: z.string(),
  redirect_uri: z.string().openapi({ description: 'Exactly one of the client’s' }),
  scope: z.string().openapi({ example: 'openid profile email offline_access' }),
  code_challenge: z.string().openapi({ description: 'PKCE, required for every client' }),
  code_challenge_method: z.literal('S256'),
  state: z.string().optional(),
  nonce: z.string().optional(),
  prompt: z.string().optional().openapi({ description: '`none`, `login` or `consent`' }),
  max_age: z.string().optional().openapi({ description: 'Seconds since the user signed in' }),
  resource: z.string().optional().openapi({ description: 'RFC 8707: the access token’s aud' }),
});

const html = (description: string) => ({
  description,
  headers: headerRefs('X-Request-ID'),
  content: { 'text/html': { schema: z.string() } },
});

/**
 * GET /oauth/authorize is served by the hosted pages (routes/pages/oauth-authorize.tsx: a
 * browser endpoint answering HTML and redirects); this is its entry in the OpenAPI document only.
 */
export const authorizeDoc = {
  method: 'get' as const,
  path: '/oauth/authorize',
  operationId: 'authorizationEndpoint',
  security: publicRoute,
  tags,
  summary: 'Authorization endpoint (a browser page)',
  description:
    'The code flow only. Signed out: a redirect to the hosted sign-in page, which comes back here. Signed in (the hosted pages’ cookie): the consent page (app name, logo, scopes) unless the user granted these scopes to this client before, then a redirect to `redirect_uri` with `code`, `state` and `iss`. An unknown client or a redirect URI not registered exactly: an error page, never a redirect; any other error: a redirect with `error`, `error_description` and `state`.',
  request: { query: AuthorizeQuerySchema },
  responses: {
    200: html('The consent page'),
    302: {
      description: 'To the sign-in page, or back to the client (code, or error)',
      headers: headerRefs('X-Request-ID'),
    },
    400: html('An unknown client or redirect URI'),
    503: { ...html('Not configured'), headers: headerRefs('X-Request-ID', 'Retry-After') },
  },
};
