import { grantsOf } from '../db/queries/rbac';
import { findUserById, findUserWithRoles } from '../db/queries/users';
import type { RotateOutcome } from '../durable-objects/session-store/logic';
import { sessionStore, type SessionStore } from '../durable-objects/session-store/object';
import { hmacSha256, randomToken, sha256 } from '../lib/crypto';
import { ApiError, orUnavailable } from '../lib/errors';
import { audienceOf, issueAccessToken } from '../lib/jwt';
import { requireSigningKeys, requireSuccessorKey } from '../lib/secrets';
import type { Deps } from './deps';
import { permits } from './access';
import { authenticate } from './access-tokens';

/** What a sign-in or a refresh hands out; the HTTP edge makes the body (token_type bearer). */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** The access token's lifetime, seconds. */
  expiresIn: number;
}

export interface Subject {
  id: string;
  email: string;
  roles: string[];
  /**
   * When `roles` were read (taken before the read). It becomes the token's iat, so a token never
   * looks newer than its roles: /auth/verify compares iat with the store's roles_changed_at.
   */
  rolesReadAt: number;
  /** RFC 8176 methods of the sign-in, when it took more than the password (the token's `amr`). */
  amr?: string[];
  /** RFC 8693 `act`: the admin impersonating this user in the session (domain/impersonation.ts). */
  act?: { sub: string };
}

type SessionDeps = Pick<Deps, 'config' | 'secrets' | 'sessions' | 'origin' | 'now'>;

/**
 * Refresh tokens are `<user id>.<256 bits>`: opaque to clients, and the prefix routes the
 * worker to the user's SessionStore without a database lookup. Only the SHA-256 is stored.
 * A session's first token is random; each successor is HMAC-SHA256(k, previous token), k
 * derived from the pepper (lib/secrets.ts). Deterministic, so two concurrent refreshes of one
 * token can both be handed the same successor without the store ever holding a token in clear,
 * and unpredictable to anyone without k.
 */
const REFRESH_TOKEN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

export const refreshTokenOwner = (token: string) => REFRESH_TOKEN.exec(token)?.[1] ?? null;

export const newRefreshToken = (userId: string) => `${userId}.${randomToken(32)}`;

/** The token a refresh token is exchanged for (43 base64url characters, like a random one). */
const successorOf = async (key: CryptoKey, userId: string, token: string) =>
  `${userId}.${await hmacSha256(key, token)}`;

/** Signs an access token for the session and pairs it with its current refresh token. */
export async function issueTokenPair(
  deps: Pick<Deps, 'config' | 'secrets' | 'now'>,
  subject: Subject,
  sessionId: string,
  refreshToken: string,
): Promise<TokenPair> {
  const ttl = deps.config.ACCESS_TOKEN_TTL_SECONDS;
  const { token } = await issueAccessToken(
    requireSigningKeys(deps.secrets),
    audienceOf(deps.config),
    {
      userId: subject.id,
      sessionId,
      email: subject.email,
      roles: subject.roles,
      amr: subject.amr,
      act: subject.act,
    },
    ttl,
    Math.min(deps.now(), subject.rolesReadAt),
  );
  return { accessToken: token, refreshToken, expiresIn: ttl };
}

/**
 * An impersonation session (domain/impersonation.ts) lives only while its admin may start one:
 * an admin who lost users:admin, or their account, loses it at its next refresh.
 */
async function actorMayImpersonate(deps: Pick<Deps, 'db'>, actorId: string) {
  const [actor, grants] = await orUnavailable('Database', () =>
    Promise.all([findUserById(deps.db, actorId), grantsOf(deps.db, actorId)]),
  );
  return actor?.status === 'active' && permits(grants.permissions, 'users', 'admin');
}

type RefusedRotation = Extract<RotateOutcome, { ok: false }>['reason'];

/** A refused rotation as the contract's 401 (reuse has already ended the session). */
function refusedRefresh(deps: Pick<Deps, 'events'>, userId: string, reason: RefusedRotation) {
  switch (reason) {
    case 'reused':
      deps.events.emit({ type: 'refresh_reuse', user_id: userId });
      return new ApiError(
        'SESSION_REVOKED',
        'Refresh token was already used; the session has been ended',
      );
    case 'superseded':
      // A concurrent refresh moved on twice: the session lives, with the newest token.
      return new ApiError('INVALID_TOKEN', 'Refresh token was already rotated');
    case 'expired':
      return new ApiError('TOKEN_EXPIRED', 'Refresh token is invalid or expired');
    case 'unknown':
      return new ApiError('INVALID_TOKEN', 'Refresh token is invalid or expired');
  }
}

/**
 * Exchanges a refresh token for a new pair (RFC 9700 §4.14.2: rotated on every use; a token
 * already rotated ends the session). Within REFRESH_REUSE_INTERVAL_SECONDS a concurrent refresh
 * gets the same successor (security.md: "must return the same new pair, never two valid
 * families").
 */
export async function refresh(
  deps: SessionDeps & Pick<Deps, 'db' | 'events' | 'admitted'>,
  refreshToken: string,
): Promise<TokenPair> {
  const successorKey = requireSuccessorKey(deps.secrets);
  requireSigningKeys(deps.secrets);
  const userId = refreshTokenOwner(refreshToken);
  if (!userId) throw new ApiError('INVALID_TOKEN', 'Refresh token is invalid');
  // The user is read before the token rotates: if D1 fails, the client's token is still good
  // for a retry instead of having been spent on an answer that never came.
  const rolesReadAt = deps.now();
  const [found] = await Promise.all([findUserWithRoles(deps.db, { id: userId }), deps.admitted()]);
  const next = await successorOf(successorKey, userId, refreshToken);
  const [refreshHash, successorHash] = await Promise.all([sha256(refreshToken), sha256(next)]);
  const store = sessionStore(deps.sessions, userId);
  const outcome = await store.rotate({
    refreshHash,
    successorHash,
    reuseIntervalMs: deps.config.REFRESH_REUSE_INTERVAL_SECONDS * 1000,
    now: deps.now(),
  });
  if (!outcome.ok) throw refusedRefresh(deps, userId, outcome.reason);
  if (!found || found.user.status !== 'active') {
    await store.revoke(outcome.session.id);
    throw new ApiError('SESSION_REVOKED', 'This session has ended');
  }
  const { email } = found.user;
  const { amr: sessionAmr, actor } = outcome.session;
  if (actor && !(await actorMayImpersonate(deps, actor))) {
    await store.revoke(outcome.session.id);
    throw new ApiError('SESSION_REVOKED', 'This impersonation has ended');
  }
  const amr = sessionAmr ?? undefined;
  const act = actor ? { sub: actor } : undefined;
  const subject = { id: userId, email, roles: found.roles, rolesReadAt, amr, act };
  const tokens = await issueTokenPair(deps, subject, outcome.session.id, next);
  const metadata = {
    session_id: outcome.session.id,
    ...(outcome.replayed && { replayed: true as const }),
  };
  deps.events.emit({ type: 'refresh', user_id: userId, metadata });
  return tokens;
}

/**
 * Ends one session, named by its access token (verified, but ended or not: logging out twice
 * is fine) or by its refresh token. 401 when neither is sent.
 */
export async function logout(
  deps: SessionDeps & Pick<Deps, 'db' | 'events'>,
  credentials: { accessToken: string | null; refreshToken?: string },
): Promise<void> {
  let ended: { userId: string; sessionId: string } | null = null;
  if (credentials.accessToken) {
    const { claims, live } = await authenticate(deps, credentials.accessToken);
    if (live) await sessionStore(deps.sessions, claims.sub).revoke(claims.sid);
    ended = { userId: claims.sub, sessionId: claims.sid };
  } else if (credentials.refreshToken) {
    const userId = refreshTokenOwner(credentials.refreshToken);
    const store = userId ? sessionStore(deps.sessions, userId) : null;
    const sessionId = store
      ? await store.revokeByRefreshHash(await sha256(credentials.refreshToken))
      : null;
    if (userId && sessionId) ended = { userId, sessionId };
  } else {
    throw new ApiError('INVALID_TOKEN', 'Send a bearer access token or a refresh_token');
  }
  if (ended) {
    deps.events.emit({
      type: 'logout',
      user_id: ended.userId,
      metadata: { session_id: ended.sessionId },
    });
  }
}

/**
 * Runs `write`, a D1 write that changes a user's roles, between two marks in their
 * SessionStore, so no access token keeps reporting roles from before it (access-tokens.ts
 * signedInUser). The first mark comes before the write: even if the second never happens
 * (the worker dies after the write), every token issued before the change is re-checked, and a
 * write that fails costs only a few D1 reads. The second comes after it, for tokens whose roles
 * were read while the write ran. A store that cannot answer fails the change (503) before the
 * write: better than a change that tokens would hide.
 */
export async function runBetweenRoleMarks<T>(
  sessions: DurableObjectNamespace<SessionStore>,
  userId: string,
  write: () => Promise<T>,
  clock: () => number = Date.now,
): Promise<T> {
  const store = sessionStore(sessions, userId);
  const mark = () => orUnavailable('Session store', () => store.markRolesChanged(clock()));
  await mark();
  const result = await write();
  await mark();
  return result;
}
