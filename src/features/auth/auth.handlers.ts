import type { Context } from 'hono';
import { findUserWithRoles, upgradePasswordHash } from '../../db/queries/users';
import type { RotateOutcome } from '../../durable-objects/session-store/object';
import { scheduleTokenEmail } from '../../lib/account-emails';
import { createAccount } from '../../lib/accounts';
import { audit } from '../../lib/audit';
import { sha256 } from '../../lib/crypto';
import { deviceOf } from '../../http/device';
import { ApiError } from '../../lib/errors';
import { audienceOf, verifyAccessToken } from '../../lib/jwt';
import {
  burnDummyHash,
  hashPassword,
  verifyPassword,
  type PasswordHasher,
} from '../../lib/password';
import { reserveLoginAttempt } from '../../lib/login-attempts';
import { requireHasher, requireSigningKeys, requireSuccessorKey } from '../../lib/secrets';
import {
  issueTokenPair,
  refreshTokenOwner,
  rotateRefreshToken,
  sessionStore,
  startSession,
  type TokenIssuer,
} from '../../lib/session-tokens';
import { bearerToken } from '../../http/middleware/require-auth';
import type { AppEnv, AppRouteHandler } from '../../http/app-env';
import type * as routes from './auth.routes';

// Token responses must never be cached (RFC 6749 §5.1).
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
const invalidCredentials = () =>
  new ApiError(401, 'INVALID_CREDENTIALS', 'Invalid email or password');

const issuerOf = (c: Context<AppEnv>): TokenIssuer => ({
  sessions: c.env.SESSIONS,
  keys: requireSigningKeys(c.var.secrets),
  config: c.var.config,
});

export const register: AppRouteHandler<typeof routes.register> = async (c) => {
  const { email, password, ...profile } = c.req.valid('json');
  const id = await createAccount(c, {
    email,
    password,
    // Admins are made only by the operator's grant (scripts/admin.mjs), never by registering.
    roles: ['user'],
    profile: {
      firstName: profile.first_name,
      lastName: profile.last_name,
      username: profile.username,
    },
  });
  scheduleTokenEmail(c, { id, email }, 'email_verification');
  return c.json(
    { user_id: id, email, message: 'Account created; check your email to confirm the address' },
    201,
  );
};

/**
 * The stored hash's parameters are outdated: upgrade it after answering, unless the password
 * changed meanwhile.
 */
function scheduleRehash(
  c: Context<AppEnv>,
  hasher: PasswordHasher,
  user: { id: string; passwordHash: string },
  password: string,
) {
  c.executionCtx.waitUntil(
    hashPassword(hasher, password)
      .then((hash) => upgradePasswordHash(c.var.db, user.id, user.passwordHash, hash, new Date()))
      .catch((err: unknown) => c.var.logger.error('password rehash failed', { error: err })),
  );
}

export const login: AppRouteHandler<typeof routes.login> = async (c) => {
  const { email, password } = c.req.valid('json');
  const hasher = requireHasher(c.var.secrets);
  const issuer = issuerOf(c);
  // Credential epoch (security.md): taken before the hash is read, so if a reset or password
  // change ends every session after this moment, the session this login would start is refused.
  const verifiedAt = Date.now();
  const [attempt, found] = await Promise.all([
    reserveLoginAttempt(c, email),
    findUserWithRoles(c.var.db, { email }),
  ]);
  const verdict = found
    ? await verifyPassword(hasher, password, found.user.passwordHash)
    : await burnDummyHash(hasher, password);
  if (!found || !verdict?.ok) {
    const userId = found?.user.id ?? null;
    audit(c, 'login_failed', { userId, metadata: found ? {} : { email } });
    if (attempt.lockedNow) audit(c, 'account_locked', { userId, metadata: { email } });
    throw invalidCredentials();
  }
  const { user, roles } = found;
  if (user.status === 'suspended') {
    await attempt.clear();
    throw new ApiError(403, 'ACCOUNT_SUSPENDED', 'This account is suspended');
  }
  if (verdict.needsRehash) scheduleRehash(c, hasher, user, password);
  const subject = { id: user.id, email: user.email, roles, rolesReadAt: verifiedAt };
  const [{ tokens, sessionId }] = await Promise.all([
    startSession(issuer, subject, deviceOf(c), verifiedAt).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 'INVALID_CREDENTIALS')
        audit(c, 'login_failed', { userId: user.id, metadata: { reason: 'credentials_changed' } });
      throw err;
    }),
    attempt.clear(),
  ]);
  audit(c, 'login_succeeded', { userId: user.id, metadata: { session_id: sessionId } });
  return c.json(tokens, 200, NO_STORE);
};

type RefusedRotation = Extract<RotateOutcome, { ok: false }>['reason'];

/** A refused rotation as the contract's 401 (reuse has already ended the session). */
function refusedRefresh(c: Context<AppEnv>, userId: string, reason: RefusedRotation): ApiError {
  switch (reason) {
    case 'reused':
      audit(c, 'refresh_reuse', { userId });
      return new ApiError(
        401,
        'SESSION_REVOKED',
        'Refresh token was already used; the session has been ended',
      );
    case 'superseded':
      // A concurrent refresh moved on twice: the session lives, with the newest token.
      return new ApiError(401, 'INVALID_TOKEN', 'Refresh token was already rotated');
    case 'expired':
      return new ApiError(401, 'TOKEN_EXPIRED', 'Refresh token is invalid or expired');
    case 'unknown':
      return new ApiError(401, 'INVALID_TOKEN', 'Refresh token is invalid or expired');
  }
}

export const refresh: AppRouteHandler<typeof routes.refresh> = async (c) => {
  const { refresh_token } = c.req.valid('json');
  const issuer = issuerOf(c);
  const successorKey = requireSuccessorKey(c.var.secrets);
  const userId = refreshTokenOwner(refresh_token);
  if (!userId) throw new ApiError(401, 'INVALID_TOKEN', 'Refresh token is invalid');
  // The user is read before the token rotates: if D1 fails, the client's token is still good
  // for a retry instead of having been spent on an answer that never came.
  const rolesReadAt = Date.now();
  const found = await findUserWithRoles(c.var.db, { id: userId });
  const reuseIntervalMs = c.var.config.REFRESH_REUSE_INTERVAL_SECONDS * 1000;
  const outcome = await rotateRefreshToken(
    { sessions: c.env.SESSIONS, successorKey, reuseIntervalMs },
    userId,
    refresh_token,
  );
  if (!outcome.ok) throw refusedRefresh(c, userId, outcome.reason);
  if (!found || found.user.status !== 'active') {
    await sessionStore(c.env.SESSIONS, userId).revoke(outcome.session.id);
    throw new ApiError(401, 'SESSION_REVOKED', 'This session has ended');
  }
  const subject = { id: userId, email: found.user.email, roles: found.roles, rolesReadAt };
  const tokens = await issueTokenPair(issuer, subject, outcome.session.id, outcome.refreshToken);
  const metadata = { session_id: outcome.session.id, ...(outcome.replayed && { replayed: true }) };
  audit(c, 'refresh', { userId, metadata });
  return c.json(tokens, 200, NO_STORE);
};

export const logout: AppRouteHandler<typeof routes.logout> = async (c) => {
  const body = c.req.valid('json');
  const access = bearerToken(c.req.header('Authorization'));
  let ended: { userId: string; sessionId: string | null } | null = null;
  if (access) {
    const { config } = c.var;
    const aud = audienceOf(config);
    const claims = await verifyAccessToken(requireSigningKeys(c.var.secrets), aud, access);
    await sessionStore(c.env.SESSIONS, claims.sub).revoke(claims.sid);
    ended = { userId: claims.sub, sessionId: claims.sid };
  } else if (body?.refresh_token) {
    const userId = refreshTokenOwner(body.refresh_token);
    const store = userId ? sessionStore(c.env.SESSIONS, userId) : null;
    const sessionId = store
      ? await store.revokeByRefreshHash(await sha256(body.refresh_token))
      : null;
    if (userId && sessionId) ended = { userId, sessionId };
  } else {
    throw new ApiError(401, 'INVALID_TOKEN', 'Send a bearer access token or a refresh_token');
  }
  if (ended)
    audit(c, 'logout', { userId: ended.userId, metadata: { session_id: ended.sessionId } });
  return c.json({ message: 'Logged out' }, 200);
};

export const verify: AppRouteHandler<typeof routes.verify> = (c) => {
  const { sub, email, sid, roles, exp } = c.var.auth;
  const expires_at = new Date(exp * 1000).toISOString();
  return c.json(
    { valid: true as const, user_id: sub, email, session_id: sid, roles, expires_at },
    200,
  );
};
