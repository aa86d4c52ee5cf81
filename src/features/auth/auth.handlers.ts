import type { Context } from 'hono';
import { createUser, findUserByEmail, findUserById, setPasswordHash } from '../../db/queries/users';
import { sha256 } from '../../lib/crypto';
import { deviceOf } from '../../lib/device';
import { ApiError } from '../../lib/errors';
import { verifyAccessToken } from '../../lib/jwt';
import { burnDummyHash, hashPassword, verifyPassword } from '../../lib/password';
import { passwordProblems } from '../../lib/password-policy';
import { requireHasher, requireSigningKeys } from '../../lib/secrets';
import {
  issueTokenPair,
  refreshTokenOwner,
  rotateRefreshToken,
  sessionStore,
  startSession,
  type TokenIssuer,
} from '../../lib/session-tokens';
import { bearerToken } from '../../middleware/require-auth';
import type { AppEnv, AppRouteHandler } from '../../types';
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

const policyOf = (c: Context<AppEnv>) => ({
  minLength: c.var.config.PASSWORD_MIN_LENGTH,
  requireComposition: c.var.config.PASSWORD_REQUIRE_COMPOSITION,
});

export const register: AppRouteHandler<typeof routes.register> = async (c) => {
  const { email, password, ...profile } = c.req.valid('json');
  const hasher = requireHasher(c.var.secrets);
  const problems = passwordProblems(password, policyOf(c), email);
  if (problems.length) {
    throw new ApiError(422, 'WEAK_PASSWORD', 'Password does not meet the policy', {
      errors: problems.map((message) => ({ field: 'password', message })),
    });
  }
  // Cheap check first, so a duplicate does not cost a hash; the unique index settles races.
  if (await findUserByEmail(c.var.db, email))
    throw new ApiError(409, 'USER_EXISTS', 'An account with this email already exists');
  const id = crypto.randomUUID();
  const created = await createUser(
    c.var.db,
    { id, email, passwordHash: await hashPassword(hasher, password) },
    {
      firstName: profile.first_name,
      lastName: profile.last_name,
      username: profile.username,
    },
    new Date(),
  );
  if (!created.ok) {
    throw created.conflict === 'email'
      ? new ApiError(409, 'USER_EXISTS', 'An account with this email already exists')
      : new ApiError(409, 'CONFLICT', 'This username is taken');
  }
  c.var.logger.info('user registered', { user_id: id });
  return c.json({ user_id: id, email, message: 'Account created' }, 201);
};

export const login: AppRouteHandler<typeof routes.login> = async (c) => {
  const { email, password } = c.req.valid('json');
  const hasher = requireHasher(c.var.secrets);
  const issuer = issuerOf(c);
  const user = await findUserByEmail(c.var.db, email);
  if (!user) {
    await burnDummyHash(hasher, password);
    throw invalidCredentials();
  }
  const { ok, needsRehash } = await verifyPassword(hasher, password, user.passwordHash);
  if (!ok) throw invalidCredentials();
  if (user.status === 'suspended')
    throw new ApiError(403, 'ACCOUNT_SUSPENDED', 'This account is suspended');
  if (needsRehash) {
    // Parameters changed since this hash was made: upgrade it after answering.
    c.executionCtx.waitUntil(
      hashPassword(hasher, password).then((hash) =>
        setPasswordHash(c.var.db, user.id, hash, new Date()),
      ),
    );
  }
  const { tokens, sessionId } = await startSession(
    issuer,
    { id: user.id, email: user.email, roles: [] },
    deviceOf(c),
  );
  c.var.logger.info('login succeeded', { user_id: user.id, session_id: sessionId });
  return c.json(tokens, 200, NO_STORE);
};

export const refresh: AppRouteHandler<typeof routes.refresh> = async (c) => {
  const { refresh_token } = c.req.valid('json');
  const issuer = issuerOf(c);
  const userId = refreshTokenOwner(refresh_token);
  if (!userId) throw new ApiError(401, 'INVALID_TOKEN', 'Refresh token is invalid');
  const [user, outcome] = await Promise.all([
    findUserById(c.var.db, userId),
    rotateRefreshToken(c.env.SESSIONS, userId, refresh_token),
  ]);
  if (!outcome.ok) {
    if (outcome.reason === 'reused') {
      c.var.logger.warn('refresh token reuse: session revoked', { user_id: userId });
      throw new ApiError(
        401,
        'SESSION_REVOKED',
        'Refresh token was already used; the session has been ended',
      );
    }
    throw new ApiError(
      401,
      outcome.reason === 'expired' ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN',
      'Refresh token is invalid or expired',
    );
  }
  if (!user || user.status !== 'active') {
    await sessionStore(c.env.SESSIONS, userId).revoke(outcome.session.id);
    throw new ApiError(401, 'SESSION_REVOKED', 'This session has ended');
  }
  const tokens = await issueTokenPair(
    issuer,
    { id: user.id, email: user.email, roles: [] },
    outcome.session.id,
    outcome.refreshToken,
  );
  return c.json(tokens, 200, NO_STORE);
};

export const logout: AppRouteHandler<typeof routes.logout> = async (c) => {
  const body = c.req.valid('json');
  const access = bearerToken(c.req.header('Authorization'));
  if (access) {
    const { config } = c.var;
    const claims = await verifyAccessToken(
      requireSigningKeys(c.var.secrets),
      { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE },
      access,
    );
    await sessionStore(c.env.SESSIONS, claims.sub).revoke(claims.sid);
  } else if (body?.refresh_token) {
    const userId = refreshTokenOwner(body.refresh_token);
    if (userId)
      await sessionStore(c.env.SESSIONS, userId).revokeByRefreshHash(
        await sha256(body.refresh_token),
      );
  } else {
    throw new ApiError(401, 'INVALID_TOKEN', 'Send a bearer access token or a refresh_token');
  }
  return c.json({ message: 'Logged out' }, 200);
};

export const verify: AppRouteHandler<typeof routes.verify> = (c) => {
  const { sub, email, sid, roles, exp } = c.var.auth;
  return c.json(
    {
      valid: true as const,
      user_id: sub,
      email,
      session_id: sid,
      roles,
      expires_at: new Date(exp * 1000).toISOString(),
    },
    200,
  );
};
