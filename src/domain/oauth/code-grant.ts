import * as q from '../../db/queries/oauth-grants';
import { sessionStore } from '../../durable-objects/session-store/object';
import { base64url, sha256 } from '../../lib/crypto';
import { ApiError } from '../../lib/errors';
import type { Deps } from '../deps';
import { newRefreshToken } from '../sessions';
import type { OAuthClient } from './clients';
import { endGrant, oauthRefreshHash } from './grants';
import { tokensForUser, type OAuthTokens } from './tokens';

type GrantDeps = Pick<Deps, 'config' | 'secrets' | 'db' | 'sessions' | 'events' | 'origin' | 'now'>;

const invalidGrant = (why: string) => new ApiError('OAUTH_INVALID_GRANT', why);

/** RFC 7636 S256: BASE64URL(SHA-256(verifier)) === challenge. */
async function pkceMatches(verifier: string | undefined, challenge: string) {
  if (!verifier || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url.encode(new Uint8Array(digest)) === challenge;
}

/**
 * authorization_code (RFC 6749 §4.1.3 with PKCE): the code is taken by one conditional write
 * (so of two parallel requests exactly one wins), then checked: live, this client's, the same
 * redirect URI, the verifier of its challenge. A code presented again revokes what it was
 * exchanged for (§4.1.2). The grant is a session in the user's SessionStore: it is refused
 * like a sign-in when the account was blocked or its credentials changed after the sign-in.
 */
export async function exchangeCode(
  deps: GrantDeps,
  client: OAuthClient,
  input: { code?: string; redirectUri?: string; codeVerifier?: string },
): Promise<OAuthTokens> {
  if (!input.code || input.code.length > 256) throw invalidGrant('The code is invalid');
  if (!client.grantTypes.includes('authorization_code')) {
    throw new ApiError('OAUTH_UNAUTHORIZED_CLIENT');
  }
  const now = deps.now();
  const codeHash = await sha256(input.code);
  const code = await q.takeCode(deps.db, codeHash, now);
  if (!code) {
    const used = await q.findCode(deps.db, codeHash);
    if (used?.usedAt) {
      const ended = await endGrant(deps, used.grantId);
      deps.events.emit({
        type: 'oauth_code_reuse',
        user_id: used.userId,
        metadata: { client_id: used.clientId, grant_id: used.grantId },
      });
      if (ended) {
        deps.events.emit({
          type: 'oauth_token_revoked',
          user_id: used.userId,
          metadata: { client_id: used.clientId, grant_id: used.grantId },
        });
      }
    }
    throw invalidGrant('The code is invalid, expired or already used');
  }
  if (code.expiresAt <= now) throw invalidGrant('The code has expired');
  if (code.clientId !== client.id) throw invalidGrant('The code was issued to another client');
  if (code.redirectUri !== input.redirectUri) throw invalidGrant('redirect_uri does not match');
  if (!(await pkceMatches(input.codeVerifier, code.codeChallenge))) {
    throw invalidGrant('code_verifier does not match the code_challenge');
  }
  const offline =
    code.scopes.includes('offline_access') && client.grantTypes.includes('refresh_token');
  const refreshToken = newRefreshToken(code.userId);
  const sessionId = crypto.randomUUID();
  const started = await sessionStore(deps.sessions, code.userId).create({
    sessionId,
    refreshHash: await oauthRefreshHash(refreshToken),
    // The user sees the grant among their sessions under the app's name.
    device: {
      ip: deps.origin.ip,
      country: deps.origin.country,
      userAgent: `OAuth: ${client.name}`.slice(0, 256),
    },
    ttlMs: deps.config.REFRESH_TOKEN_TTL_SECONDS * 1000,
    maxSessions: deps.config.MAX_SESSIONS_PER_USER,
    verifiedAt: code.authTime,
    now,
    ...(code.amr && { amr: code.amr }),
  });
  if (!started.ok) throw invalidGrant('The sign-in behind this code is no longer valid');
  await q.insertGrant(deps.db, {
    id: code.grantId,
    clientId: client.id,
    userId: code.userId,
    sessionId,
    scopes: code.scopes,
    resource: code.resource,
    authTime: code.authTime,
    createdAt: now,
    revokedAt: null,
  });
  const tokens = await tokensForUser(deps, {
    client,
    userId: code.userId,
    sessionId,
    scopes: code.scopes,
    resource: code.resource,
    ...(offline && { refreshToken }),
    id: { nonce: code.nonce, authTime: code.authTime, amr: code.amr },
  });
  if (!tokens) {
    await endGrant(deps, code.grantId);
    throw invalidGrant('The account is not active');
  }
  deps.events.emit({
    type: 'oauth_token_issued',
    user_id: code.userId,
    metadata: { client_id: client.id, grant_id: code.grantId, grant_type: 'authorization_code' },
  });
  return tokens;
}
