import * as q from '../../db/queries/oauth-grants';
import { sessionStore } from '../../durable-objects/session-store/object';
import { sha256 } from '../../lib/crypto';
import type { Deps } from '../deps';

// A user's grant is a session in their SessionStore (db/schema/oauth-provider.ts): its refresh
// tokens, its revocation and its reuse interval are the sessions' own.

/**
 * How the SessionStore knows the identity provider's refresh tokens: SHA-256 with a prefix of
 * its own, so a client's refresh token is unknown to /auth/refresh (it never becomes an API
 * session's token with every scope) and an API refresh token unknown here.
 */
export const oauthRefreshHash = (token: string) => sha256(`oauth-provider:${token}`);

/**
 * Ends a grant: its session in the user's SessionStore (the refresh token and every access
 * token bound to it die with it) and the D1 row. Idempotent.
 */
export async function endGrant(deps: Pick<Deps, 'db' | 'sessions' | 'now'>, grantId: string) {
  const grant = await q.findGrant(deps.db, grantId);
  if (!grant) return null;
  if (grant.userId && grant.sessionId) {
    await sessionStore(deps.sessions, grant.userId).revoke(grant.sessionId);
  }
  await q.revokeGrant(deps.db, grantId, deps.now());
  return grant;
}
