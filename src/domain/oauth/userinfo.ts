import { sessionStore } from '../../durable-objects/session-store/object';
import { ApiError, orUnavailable } from '../../lib/errors';
import { INVALID_TOKEN_CHALLENGE } from '../../lib/jwt';
import { verifyOAuthAccessToken, type OAuthAccessClaims } from '../../lib/oauth-jwt';
import { requireSigningKeys } from '../../lib/secrets';
import type { Deps } from '../deps';
import { issuerOf, userClaims } from './tokens';

type UserinfoDeps = Pick<Deps, 'config' | 'secrets' | 'db' | 'sessions' | 'now'>;

/**
 * An access token this provider issued for a user, whose grant is still live: signature and
 * claims, then its session in the user's SessionStore (revoked, withdrawn or reused: 401).
 */
async function liveUserToken(deps: UserinfoDeps, token: string): Promise<OAuthAccessClaims> {
  const claims = await verifyOAuthAccessToken(
    requireSigningKeys(deps.secrets),
    issuerOf(deps.config),
    token,
    deps.now(),
  );
  if (!claims.sid) {
    throw new ApiError('INVALID_TOKEN', 'This token is not a user’s', INVALID_TOKEN_CHALLENGE);
  }
  const { live } = await orUnavailable('Session store', () =>
    sessionStore(deps.sessions, claims.sub).check(claims.sid!, deps.now()),
  );
  if (!live) throw new ApiError('SESSION_REVOKED', 'This grant has ended', INVALID_TOKEN_CHALLENGE);
  return claims;
}

/** OpenID Connect Core §5.3: the claims of the scopes the token holds; `openid` required. */
export async function userinfo(deps: UserinfoDeps, token: string) {
  const claims = await liveUserToken(deps, token);
  const scopes = claims.scope.split(' ');
  if (!scopes.includes('openid')) {
    throw new ApiError('FORBIDDEN', 'The token lacks the openid scope', {
      headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="openid"' },
    });
  }
  const found = await userClaims(deps, claims.sub, scopes);
  if (!found)
    throw new ApiError('SESSION_REVOKED', 'This account is not active', INVALID_TOKEN_CHALLENGE);
  return found;
}
