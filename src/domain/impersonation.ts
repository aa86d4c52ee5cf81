import { insertAuditEntries } from '../db/queries/audit';
import { grantsOf } from '../db/queries/rbac';
import { findUserById } from '../db/queries/users';
import { sessionStore } from '../durable-objects/session-store/object';
import { randomToken, sha256 } from '../lib/crypto';
import { ApiError, orUnavailable } from '../lib/errors';
import { requireSigningKeys } from '../lib/secrets';
import { permits, type Caller } from './access';
import type { Deps } from './deps';
import { issueTokenPair, newRefreshToken, type TokenPair } from './sessions';

/**
 * Impersonation (api.md "Admin console", security.md): an admin holding `users:admin` starts a
 * session of another user whose tokens carry `act: {sub: <admin id>}` (RFC 8693 §4.1). The
 * session lives an hour at most (absolute, refresh does not extend it), is listed among the
 * user's sessions with its admin, ends with POST /auth/logout like any other, and is never for
 * an admin (who could then act with that admin's rights). Both accounts' audit trails get an
 * entry, written before any token exists: no impersonation goes unrecorded.
 */

export const IMPERSONATION_TTL_MS = 60 * 60 * 1000;

/** What the route hands back: the token pair of the new session and its id. */
export interface Impersonation {
  tokens: TokenPair;
  sessionId: string;
  expiresAt: number;
}

/** 403 unless the caller is a user holding `resource:action` right now (read from D1). */
export async function requirePermission(
  deps: Pick<Deps, 'db'>,
  caller: Caller,
  resource: string,
  action: string,
): Promise<void> {
  if (caller.kind !== 'user') throw new ApiError('FORBIDDEN', 'A signed-in user is required');
  const { permissions } = await orUnavailable('Database', () => grantsOf(deps.db, caller.userId));
  if (!permits(permissions, resource, action)) {
    throw new ApiError('FORBIDDEN', `The permission ${resource}:${action} is required`);
  }
}

/** Starts an impersonation session of `userId` for `actorId` (who holds users:admin). */
export async function impersonate(
  deps: Deps,
  actorId: string,
  userId: string,
): Promise<Impersonation> {
  requireSigningKeys(deps.secrets);
  const rolesReadAt = deps.now();
  const [user, grants] = await orUnavailable('Database', () =>
    Promise.all([findUserById(deps.db, userId), grantsOf(deps.db, userId)]),
  );
  if (!user) throw new ApiError('NOT_FOUND', 'User not found');
  // Anyone who may open the console is an admin here: impersonating one would lend their rights.
  if (userId === actorId || permits(grants.permissions, 'admin_panel', 'read')) {
    throw new ApiError('FORBIDDEN', 'Administrators cannot be impersonated');
  }
  if (user.status !== 'active') throw new ApiError('ACCOUNT_SUSPENDED');
  const sessionId = crypto.randomUUID();
  const metadata = { session_id: sessionId };
  const entries = [
    { type: 'impersonation_started', user_id: userId, actor_id: actorId, metadata },
    {
      type: 'impersonation_started',
      user_id: actorId,
      actor_id: actorId,
      metadata: { ...metadata, impersonated_user_id: userId },
    },
  ] as const;
  const audit = entries.map((e) => ({ ...deps.events.entry(e), id: randomToken(16) }));
  await orUnavailable('Database', () => insertAuditEntries(deps.db, audit));
  const refreshToken = newRefreshToken(userId);
  const now = deps.now();
  const { ip, userAgent, country } = deps.origin;
  const ttlMs = Math.min(IMPERSONATION_TTL_MS, deps.config.REFRESH_TOKEN_TTL_SECONDS * 1000);
  const started = await orUnavailable('Session store', async () =>
    sessionStore(deps.sessions, userId).create({
      sessionId,
      refreshHash: await sha256(refreshToken),
      device: { ip, userAgent, country },
      ttlMs,
      maxSessions: deps.config.MAX_SESSIONS_PER_USER,
      verifiedAt: now,
      now,
      actor: actorId,
    }),
  );
  if (!started.ok) throw new ApiError('ACCOUNT_SUSPENDED');
  const act = { sub: actorId };
  const subject = { id: userId, email: user.email, roles: grants.roles, rolesReadAt, act };
  const tokens = await issueTokenPair(deps, subject, sessionId, refreshToken);
  return { tokens, sessionId, expiresAt: started.session.expiresAt };
}

/**
 * security.md: an impersonating session cannot change the password, add or remove factors or
 * passkeys, or delete the account (403), whatever it is shown. `act` is in the signed token of
 * a session the SessionStore marked at creation, so it cannot be dropped by the holder.
 */
export function refuseImpersonation(caller: { claims: { act?: { sub: string } } }): void {
  if (caller.claims.act) {
    throw new ApiError('FORBIDDEN', 'Not allowed while impersonating this user');
  }
}
