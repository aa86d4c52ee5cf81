import { parseBasic } from '../../domain/oauth/client-auth';
import { registerClient } from '../../domain/oauth/registration';
import { introspectToken, revokeToken } from '../../domain/oauth/revocation';
import { tokenRequest } from '../../domain/oauth/token';
import type { OAuthTokens } from '../../domain/oauth/tokens';
import { userinfo as readUserinfo } from '../../domain/oauth/userinfo';
import { bearerToken } from '../../http/middleware/require-auth';
import { ApiError } from '../../lib/errors';
import { INVALID_TOKEN_CHALLENGE } from '../../lib/jwt';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './oauth.routes';

/** RFC 6749 §5.1: never cached. */
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

const tokenJson = (t: OAuthTokens) => ({
  access_token: t.accessToken,
  token_type: 'Bearer' as const,
  expires_in: t.expiresIn,
  scope: t.scope,
  ...(t.idToken && { id_token: t.idToken }),
  ...(t.refreshToken && { refresh_token: t.refreshToken }),
});

export const token: AppRouteHandler<typeof routes.token> = async (c) => {
  const { client_id, client_secret, ...params } = c.req.valid('form');
  const creds = {
    basic: parseBasic(c.req.header('Authorization')),
    clientId: client_id,
    clientSecret: client_secret,
  };
  return c.json(tokenJson(await tokenRequest(c.var.deps, creds, params)), 200, NO_STORE);
};

const bearerOf = (header: string | undefined) => {
  const token = bearerToken(header);
  if (!token)
    throw new ApiError('INVALID_TOKEN', 'A bearer token is required', INVALID_TOKEN_CHALLENGE);
  return token;
};

export const userinfo: AppRouteHandler<typeof routes.userinfo> = async (c) =>
  c.json(await readUserinfo(c.var.deps, bearerOf(c.req.header('Authorization'))), 200, NO_STORE);

export const userinfoPost: AppRouteHandler<typeof routes.userinfoPost> = async (c) =>
  c.json(await readUserinfo(c.var.deps, bearerOf(c.req.header('Authorization'))), 200, NO_STORE);

export const revoke: AppRouteHandler<typeof routes.revoke> = async (c) => {
  const { token, client_id, client_secret } = c.req.valid('form');
  const creds = {
    basic: parseBasic(c.req.header('Authorization')),
    clientId: client_id,
    clientSecret: client_secret,
  };
  await revokeToken(c.var.deps, creds, token);
  return c.body(null, 200, NO_STORE);
};

export const introspect: AppRouteHandler<typeof routes.introspect> = async (c) => {
  const { token, client_id, client_secret } = c.req.valid('form');
  const creds = {
    basic: parseBasic(c.req.header('Authorization')),
    clientId: client_id,
    clientSecret: client_secret,
    serviceKey: c.req.header('X-API-Key'),
  };
  const found = await introspectToken(c.var.deps, creds, token);
  const body = found.active ? { ...found, token_type: 'Bearer' } : found;
  return c.json(body, 200, NO_STORE);
};

export const register: AppRouteHandler<typeof routes.register> = async (c) => {
  const body = c.req.valid('json');
  const { client, secret } = await registerClient(c.var.deps, {
    name: body.client_name,
    logoUri: body.logo_uri ?? null,
    redirectUris: body.redirect_uris,
    grantTypes: body.grant_types,
    scopes: [...new Set(body.scope.split(' ').filter(Boolean))],
    tokenEndpointAuthMethod: body.token_endpoint_auth_method,
    idTokenAlg: body.id_token_signed_response_alg,
  });
  return c.json(
    {
      client_id: client.id,
      ...(secret && { client_secret: secret, client_secret_expires_at: 0 }),
      client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
      client_name: client.name,
      ...(client.logoUri && { logo_uri: client.logoUri }),
      redirect_uris: client.redirectUris,
      grant_types: client.grantTypes,
      response_types: ['code'],
      token_endpoint_auth_method: client.tokenEndpointAuthMethod,
      id_token_signed_response_alg: client.idTokenAlg,
      scope: client.scopes.join(' '),
    },
    201,
    NO_STORE,
  );
};

/** RFC 7591 §3.2.2: a bad redirect URI, or other bad metadata, in the RFC's words. */
export const registrationHook = (result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[] }[] };
}): undefined => {
  if (result.success) return undefined;
  const redirect = result.error?.issues.some((i) => i.path[0] === 'redirect_uris');
  throw redirect
    ? new ApiError('OAUTH_INVALID_REDIRECT_URI', 'Each redirect URI: absolute https, no fragment')
    : new ApiError('OAUTH_INVALID_CLIENT_METADATA');
};
