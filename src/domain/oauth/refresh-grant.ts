import { findGrantBySession } from '../../db/queries/oauth-grants';
import { ApiError } from '../../lib/errors';
import type { Deps } from '../deps';
import { rotateRefreshToken } from '../sessions';
import type { OAuthClient } from './clients';
import { endGrant, oauthRefreshHash } from './grants';
import { tokensForUser, type OAuthTokens } from './tokens';

type GrantDeps = Pick<Deps, 'config' | 'secrets' | 'db' | 'sessions' | 'events' | 'now'>;

const invalidGrant = (why: string) => new ApiError('OAUTH_INVALID_GRANT', why);

/**
 * refresh_token (RFC 6749 §6): rotated on every use with /auth/refresh's reuse interval (a
 * parallel refresh gets the same successor, the family lives); a token rotated before that
 * ends the grant. Only the client the grant belongs to may use it; `scope` may narrow it. With
 * `openid` granted the answer has a fresh ID token too, as OpenID Connect Core 12.2 allows
 * (relying parties refresh the user's claims with it): no nonce, the original auth_time; none
 * for a grant made before the grants kept that time.
 */
export async function refreshGrant(
  deps: GrantDeps,
  client: OAuthClient,
  input: { refreshToken?: string; scope?: string },
): Promise<OAuthTokens> {
  if (!client.grantTypes.includes('refresh_token')) {
    throw new ApiError('OAUTH_UNAUTHORIZED_CLIENT');
  }
  if (!input.refreshToken) throw invalidGrant('refresh_token is required');
  let rotated: Awaited<ReturnType<typeof rotateRefreshToken>>;
  try {
    rotated = await rotateRefreshToken(deps, input.refreshToken, oauthRefreshHash);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      throw invalidGrant('The refresh token is invalid, expired or revoked');
    }
    throw err;
  }
  const { userId, next, outcome } = rotated;
  const grant = await findGrantBySession(deps.db, outcome.session.id);
  if (!grant || grant.revokedAt !== null || grant.clientId !== client.id) {
    // Another client's token (or a grant ended meanwhile): spent, and refused.
    if (grant && grant.clientId !== client.id) await endGrant(deps, grant.id);
    throw invalidGrant('The refresh token was not issued to this client');
  }
  const asked = input.scope?.split(' ').filter(Boolean);
  if (asked?.some((s) => !grant.scopes.includes(s))) {
    throw new ApiError('OAUTH_INVALID_SCOPE', 'A refresh cannot widen the grant');
  }
  const tokens = await tokensForUser(deps, {
    client,
    userId,
    sessionId: outcome.session.id,
    scopes: asked ? [...new Set(asked)] : grant.scopes,
    resource: grant.resource,
    refreshToken: next,
    // A grant from before auth_time was kept gets none: a relying party that requires auth_time
    // (require_auth_time, default_max_age) would refuse an ID token without it, and the refresh too.
    ...(grant.authTime !== null && {
      id: { nonce: null, authTime: grant.authTime, amr: outcome.session.amr },
    }),
  });
  if (!tokens) {
    await endGrant(deps, grant.id);
    throw invalidGrant('The account is not active');
  }
  deps.events.emit({
    type: 'oauth_token_issued',
    user_id: userId,
    metadata: { client_id: client.id, grant_id: grant.id, grant_type: 'refresh_token' },
  });
  return tokens;
}
