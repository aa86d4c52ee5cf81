import { ApiError } from '../../lib/errors';
import type { Deps } from '../deps';
import { checkResource } from './authorize';
import { authenticateClient, type ClientCredentials } from './client-auth';
import { exchangeCode } from './code-grant';
import { refreshGrant } from './refresh-grant';
import { issuerOf, tokensForClient, type OAuthTokens } from './tokens';

type TokenDeps = Pick<
  Deps,
  'config' | 'secrets' | 'db' | 'sessions' | 'events' | 'origin' | 'now' | 'admitted'
>;

/** The token request's parameters (the form), as the HTTP edge read them. */
export interface TokenParams {
  grant_type: string;
  code?: string;
  redirect_uri?: string;
  code_verifier?: string;
  refresh_token?: string;
  scope?: string;
  resource?: string;
}

/** Scopes that only mean something for a user: a client's own token never holds them. */
const USER_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access', 'organizations']);

/** RFC 8707: the resource the token is for, checked (invalid_target), or null. */
function resourceOf(deps: Pick<Deps, 'config'>, value: string | undefined) {
  if (value === undefined) return null;
  if (!checkResource(value, [deps.config.JWT_AUDIENCE, issuerOf(deps.config)])) {
    throw new ApiError('OAUTH_INVALID_TARGET');
  }
  return value;
}

/** client_credentials (RFC 6749 §4.4): the client's admin-registered scopes, no user. */
async function clientCredentials(
  deps: TokenDeps,
  client: Awaited<ReturnType<typeof authenticateClient>>,
  params: TokenParams,
) {
  if (!client.grantTypes.includes('client_credentials')) {
    throw new ApiError('OAUTH_UNAUTHORIZED_CLIENT');
  }
  const allowed = client.scopes.filter((s) => !USER_SCOPES.has(s));
  const asked = params.scope?.split(' ').filter(Boolean);
  const scopes = asked ? [...new Set(asked)] : allowed;
  if (scopes.some((s) => !allowed.includes(s))) throw new ApiError('OAUTH_INVALID_SCOPE');
  const tokens = await tokensForClient(deps, client, scopes, resourceOf(deps, params.resource));
  deps.events.emit({
    type: 'oauth_token_issued',
    user_id: null,
    metadata: { client_id: client.id, grant_id: client.id, grant_type: 'client_credentials' },
  });
  return tokens;
}

/** POST /oauth/token: the client authenticated, then its grant. */
export async function tokenRequest(
  deps: TokenDeps,
  creds: ClientCredentials,
  params: TokenParams,
): Promise<OAuthTokens> {
  const client = await authenticateClient(deps, creds);
  switch (params.grant_type) {
    case 'authorization_code':
      return exchangeCode(deps, client, {
        code: params.code,
        redirectUri: params.redirect_uri,
        codeVerifier: params.code_verifier,
      });
    case 'refresh_token':
      return refreshGrant(deps, client, {
        refreshToken: params.refresh_token,
        scope: params.scope,
      });
    case 'client_credentials':
      return clientCredentials(deps, client, params);
    default:
      throw new ApiError('OAUTH_UNSUPPORTED_GRANT_TYPE');
  }
}
