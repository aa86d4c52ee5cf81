import type { Db } from '../db/client';
import { grantsOf } from '../db/queries/rbac';
import { findUserById } from '../db/queries/users';
import type { SessionStore } from '../durable-objects/session-store/object';
import { ApiError, orUnavailable } from './errors';
import { verifyAccessToken, type TokenAudience } from './jwt';
import { permits } from './permissions';
import { sessionStore } from '../durable-objects/session-store/object';
import type { SigningKeys } from './signing-keys';

/**
 * The decisions other services ask for, shared by the HTTP routes (/auth/validate,
 * /auth/authorize, /auth/permissions) and the service-binding RPC entrypoint, so both answer
 * alike. All fail closed: if D1 or a Durable Object cannot answer, they throw 503.
 */
export interface Introspector {
  db: Db;
  sessions: DurableObjectNamespace<SessionStore>;
  keys: SigningKeys;
  audience: TokenAudience;
}

export type Validation =
  | {
      valid: true;
      user_id: string;
      email: string;
      session_id: string;
      roles: string[];
      permissions: string[];
      expires_at: string;
    }
  | { valid: false; reason: 'invalid' | 'expired' | 'revoked' };

// Organizations are not part of this deployment yet: every user belongs to none.
const NO_ORGANIZATIONS: { organization_id: string; role: string; permissions: string[] }[] = [];

/** Token introspection: signature and claims, then a live session, then current grants. */
export async function introspect(deps: Introspector, token: string): Promise<Validation> {
  let claims;
  try {
    claims = await verifyAccessToken(deps.keys, deps.audience, token);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { valid: false, reason: err.code === 'TOKEN_EXPIRED' ? 'expired' : 'invalid' };
  }
  const { sub, sid } = claims;
  const [{ live }, grants] = await Promise.all([
    orUnavailable('Session store', () => sessionStore(deps.sessions, sub).check(sid, Date.now())),
    orUnavailable('Database', () => grantsOf(deps.db, sub)),
  ]);
  if (!live) return { valid: false, reason: 'revoked' };
  const expires_at = new Date(claims.exp * 1000).toISOString();
  return { valid: true, user_id: sub, email: claims.email, session_id: sid, ...grants, expires_at };
}

export interface AuthorizeQuestion {
  user_id: string;
  resource: string;
  action: string;
  organization_id?: string;
}

/** Whether a user may do `action` on `resource` now: roles are read from D1, not a token. */
export async function authorizeUser(
  db: Db,
  q: AuthorizeQuestion,
): Promise<{ allowed: boolean; reason?: string }> {
  const [user, grants] = await orUnavailable('Database', () =>
    Promise.all([findUserById(db, q.user_id), grantsOf(db, q.user_id)]),
  );
  if (!user) return { allowed: false, reason: 'unknown user' };
  if (user.status !== 'active') return { allowed: false, reason: 'account suspended' };
  if (q.organization_id !== undefined)
    return { allowed: false, reason: 'not a member of this organization' };
  return permits(grants.permissions, q.resource, q.action)
    ? { allowed: true }
    : { allowed: false, reason: `missing permission ${q.resource}:${q.action}` };
}

/** A user's roles and permissions, or null when the user does not exist. */
export async function permissionsOf(db: Db, userId: string) {
  const [user, grants] = await orUnavailable('Database', () =>
    Promise.all([findUserById(db, userId), grantsOf(db, userId)]),
  );
  return user ? { user_id: userId, ...grants, organizations: NO_ORGANIZATIONS } : null;
}
