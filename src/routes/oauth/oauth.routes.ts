import { createRoute } from '@hono/zod-openapi';
import { bearerAuth, jsonResponse, publicRoute } from '../../http/openapi';
import {
  oauthErrors,
  TokenRequestSchema,
  TokenResponseSchema,
  UserinfoSchema,
} from './oauth.schemas';

const tags = ['Identity provider'];

/** A form-encoded body (the RFCs' encoding), for createRoute. */
export const formBody = <T extends Parameters<typeof jsonResponse>[0]>(schema: T) => ({
  required: true,
  content: { 'application/x-www-form-urlencoded': { schema } },
});

export const token = createRoute({
  method: 'post',
  path: '/oauth/token',
  operationId: 'oauthToken',
  // Client authentication is part of the request (Basic header or form fields), per RFC 6749.
  security: publicRoute,
  tags,
  summary: 'Token endpoint (RFC 6749)',
  description:
    'Grants `authorization_code` (PKCE S256, single use, 60 s, bound to the client and redirect URI; a reused code revokes what it issued), `refresh_token` (rotated, with the /auth/refresh reuse interval) and `client_credentials`. Client authentication: `client_secret_basic`, `client_secret_post` or `none` (public clients). The access token is a JWT for the client (or the RFC 8707 `resource`); the ID token is RS256 unless the client registered EdDSA.',
  request: { body: formBody(TokenRequestSchema) },
  responses: {
    200: jsonResponse(TokenResponseSchema, 'Tokens (Cache-Control: no-store)'),
    ...oauthErrors(400, 401, 503),
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
    },
  });

export const userinfo = userinfoRoute('get');
export const userinfoPost = userinfoRoute('post');
