import { findGrantBySession } from '../../db/queries/oauth-grants';
import { sessionStore } from '../../durable-objects/session-store/object';
import { ApiError, orUnavailable } from '../../lib/errors';
import { verifyOAuthAccessToken, type OAuthAccessClaims } from '../../lib/oauth-jwt';
import { requireSigningKeys } from '../../lib/secrets';
import { matchServiceKey } from '../../lib/service-keys';
import type { Deps } from '../deps';
import { refreshTokenOwner } from '../sessions';
import type { OAuthClient } from './clients';
import { authenticateClient, type ClientCredentials } from './client-auth';
import { endGrant, oauthRefreshHash } from './grants';
import { issuerOf } from './tokens';

type RevokeDeps = Pick<Deps, 'config' | 'secrets' | 'db' | 'sessions' | 'events' | 'now'>;

/** The access token's claims when it is one of ours (any state), else null. */
async function accessClaims(deps: RevokeDeps, token: string) {
  try {
    const keys = requireSigningKeys(deps.secrets);
    return await verifyOAuthAccessToken(keys, issuerOf(deps.config), token, deps.now());
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) return null;
    throw err;
  }
}

/** The grant session a refresh token belongs to (without spending it), or null. */
async function refreshSession(deps: RevokeDeps, token: string) {
  const userId = refreshTokenOwner(token);
  if (!userId) return null;
  const hash = await oauthRefreshHash(token);
  return sessionStore(deps.sessions, userId).sessionOfRefreshHash(hash);
}

/**
 * RFC 7009: ends the grant a refresh or access token of this client belongs to (its session,
 * and with it every token of the grant). An unknown, invalid or foreign token is not an error
 * (§2.2): the answer is the same 200, so it tells nothing about tokens of other clients.
 */
export async function revokeToken(
  deps: RevokeDeps,
  creds: ClientCredentials,
  token: string | undefined,
): Promise<void> {
  const client = await authenticateClient(deps, creds);
  if (!token) throw new ApiError('OAUTH_INVALID_REQUEST', 'token is required');
  const sessionId =
    (await refreshSession(deps, token)) ??
    (await accessClaims(deps, token).then((c) => (c?.client_id === client.id ? c.sid : null)));
  if (!sessionId) return;
  const grant = await findGrantBySession(deps.db, sessionId);
  if (!grant || grant.clientId !== client.id || grant.revokedAt !== null) return;
  await endGrant(deps, grant.id);
  deps.events.emit({
    type: 'oauth_token_revoked',
    user_id: grant.userId,
    metadata: { client_id: client.id, grant_id: grant.id },
  });
}

export type Introspection = { active: false } | ({ active: true } & OAuthAccessClaims);

/** Who may introspect: a confidential client (tokens issued to it or meant for it), or a service. */
async function introspector(
  deps: RevokeDeps,
  creds: ClientCredentials & { serviceKey?: string },
): Promise<OAuthClient | 'service'> {
  if (creds.serviceKey !== undefined) {
    const found = matchServiceKey(deps.secrets.services.keys, creds.serviceKey);
    if (!found) throw new ApiError('OAUTH_INVALID_CLIENT', 'The service key is not valid');
    if (!found.scopes.has('tokens:validate')) {
      throw new ApiError('OAUTH_INVALID_CLIENT', 'The service key lacks tokens:validate');
    }
    return 'service';
  }
  const client = await authenticateClient(deps, creds);
  if (client.tokenEndpointAuthMethod === 'none') {
    throw new ApiError('OAUTH_INVALID_CLIENT', 'A public client cannot introspect');
  }
  return client;
}

/**
 * RFC 7662: whether an access token is active (signature, lifetime, and its grant's session
 * live), with its claims. A client sees only tokens issued to it or whose audience it is.
 */
export async function introspectToken(
  deps: RevokeDeps,
  creds: ClientCredentials & { serviceKey?: string },
  token: string | undefined,
): Promise<Introspection> {
  const who = await introspector(deps, creds);
  if (!token) throw new ApiError('OAUTH_INVALID_REQUEST', 'token is required');
  const claims = await accessClaims(deps, token);
  if (!claims) return { active: false };
  if (who !== 'service') {
    const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (claims.client_id !== who.id && !audience.includes(who.id)) return { active: false };
  }
  if (claims.sid) {
    const { live } = await orUnavailable('Session store', () =>
      sessionStore(deps.sessions, claims.sub).check(claims.sid!, deps.now()),
    );
    if (!live) return { active: false };
  }
  return { active: true, ...claims };
}
