import { sessionStore } from '../durable-objects/session-store/object';
import { ApiError, orUnavailable } from '../lib/errors';
import {
  audienceOf,
  INVALID_TOKEN_CHALLENGE,
  verifyAccessToken,
  type AccessClaims,
} from '../lib/jwt';
import { requireSigningKeys } from '../lib/secrets';
import { grantsFor, type Caller, type Grants } from './access';
import type { Deps } from './deps';

type TokenDeps = Pick<Deps, 'config' | 'secrets' | 'sessions' | 'db' | 'now'>;

export interface Authenticated<T = undefined> {
  claims: AccessClaims;
  /** What `alongside` returned, fetched in parallel with the session check. */
  extra: T;
  /** Whether the token's session is live in the user's SessionStore right now. */
  live: boolean;
  /** When the user's roles last changed (null: never), for tokens that may predate it. */
  rolesChangedAt: number | null;
}

/**
 * The one access-token check: signature and claims (lib/jwt.ts, 401 on any defect), then the
 * session in the user's SessionStore, so logout and revocation count at once. Every caller
 * (bearer routes, introspection, logout, RPC) goes through here and decides what a dead
 * session means to it. 503 when the store cannot answer (never "valid").
 */
export async function authenticate<T = undefined>(
  deps: TokenDeps,
  token: string,
  alongside?: (claims: AccessClaims) => Promise<T>,
): Promise<Authenticated<T>> {
  const claims = await verifyAccessToken(
    requireSigningKeys(deps.secrets),
    audienceOf(deps.config),
    token,
  );
  const [{ live, rolesChangedAt }, extra] = await Promise.all([
    orUnavailable('Session store', () =>
      sessionStore(deps.sessions, claims.sub).check(claims.sid, deps.now()),
    ),
    alongside?.(claims) as Promise<T>,
  ]);
  return { claims, extra, live, rolesChangedAt };
}

/**
 * A signed-in user: a valid token of a live session (401 otherwise), with the token's roles
 * unless they may be stale. A token's iat is when its roles were read (sessions.ts), so if the
 * roles changed at or after that second they are read from D1; roles rarely change, so in the
 * common case this is the one SessionStore call and nothing more.
 */
export async function signedInUser(
  deps: TokenDeps,
  token: string,
): Promise<Extract<Caller, { kind: 'user' }>> {
  const { claims, live, rolesChangedAt } = await authenticate(deps, token);
  if (!live) {
    throw new ApiError('SESSION_REVOKED', 'This session has ended', INVALID_TOKEN_CHALLENGE);
  }
  const stale = rolesChangedAt !== null && claims.iat * 1000 <= rolesChangedAt;
  const roles = stale ? (await grantsFor(deps, claims.sub)).roles : claims.roles;
  return { kind: 'user', userId: claims.sub, sessionId: claims.sid, claims: { ...claims, roles } };
}

export type Validation =
  | {
      valid: true;
      user_id: string;
      email: string;
      session_id: string;
      roles: string[];
      permissions: string[];
      /** RFC 8176 methods, when the sign-in took a second factor. */
      amr?: string[];
      /** RFC 8693 §4.1: the admin acting as the user (an impersonation session). */
      act?: { sub: string };
      expires_at: string;
    }
  | { valid: false; reason: 'invalid' | 'expired' | 'revoked' };

/** Token introspection for other services: a live session, then current grants from D1. */
export async function introspect(deps: TokenDeps, token: string): Promise<Validation> {
  let checked: Authenticated<Grants>;
  try {
    checked = await authenticate(deps, token, (claims) => grantsFor(deps, claims.sub));
  } catch (err) {
    // A bad token is an answer; a dependency that cannot answer stays an error (fail closed).
    if (!(err instanceof ApiError) || err.status >= 500) throw err;
    return { valid: false, reason: err.code === 'TOKEN_EXPIRED' ? 'expired' : 'invalid' };
  }
  const { claims, live, extra } = checked;
  if (!live) return { valid: false, reason: 'revoked' };
  const { roles, permissions } = extra;
  return {
    valid: true,
    user_id: claims.sub,
    email: claims.email,
    session_id: claims.sid,
    roles,
    permissions,
    ...(claims.amr && { amr: claims.amr }),
    ...(claims.act && { act: claims.act }),
    expires_at: new Date(claims.exp * 1000).toISOString(),
  };
}
