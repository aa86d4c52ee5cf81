import { z } from '@hono/zod-openapi';
import type { Device, SessionStore } from '../durable-objects/session-store/object';
import type { ReadyConfig } from '../config';
import { hmacSha256, randomToken, sha256 } from './crypto';
import { ApiError, orUnavailable } from './errors';
import { audienceOf, issueAccessToken } from './jwt';
import type { SigningKeys } from './signing-keys';

export const TokenPairSchema = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('bearer'),
    expires_in: z.number().int().openapi({ example: 900 }),
  })
  .openapi('TokenPair');
export type TokenPair = z.infer<typeof TokenPairSchema>;

export interface TokenIssuer {
  sessions: DurableObjectNamespace<SessionStore>;
  keys: SigningKeys;
  config: ReadyConfig;
}

/** What rotating a refresh token needs: the user's store, the successor key, the interval. */
export interface Rotator {
  sessions: DurableObjectNamespace<SessionStore>;
  successorKey: CryptoKey;
  reuseIntervalMs: number;
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
}

/** The user's session object: one per user, so all their sessions share one strong store. */
export const sessionStore = (ns: DurableObjectNamespace<SessionStore>, userId: string) =>
  ns.get(ns.idFromName(userId));

/**
 * Refresh tokens are `<user id>.<256 bits>`: opaque to clients, and the prefix routes the
 * worker to the user's SessionStore without a database lookup. Only the SHA-256 is stored.
 * A session's first token is random; each successor is HMAC-SHA256(k, previous token), k
 * derived from the pepper (secrets.ts). Deterministic, so two concurrent refreshes of one token
 * can both be handed the same successor without the store ever holding a token in clear, and
 * unpredictable to anyone without k.
 */
const REFRESH_TOKEN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

export const refreshTokenOwner = (token: string) => REFRESH_TOKEN.exec(token)?.[1] ?? null;

const newRefreshToken = (userId: string) => `${userId}.${randomToken(32)}`;

/** The token a refresh token is exchanged for (43 base64url characters, like a random one). */
export const successorOf = async (key: CryptoKey, userId: string, token: string) =>
  `${userId}.${await hmacSha256(key, token)}`;

/** Signs an access token for the session and pairs it with its current refresh token. */
export async function issueTokenPair(
  issuer: TokenIssuer,
  subject: Subject,
  sessionId: string,
  refreshToken: string,
  now = Date.now(),
): Promise<TokenPair> {
  const ttl = issuer.config.ACCESS_TOKEN_TTL_SECONDS;
  const { token } = await issueAccessToken(
    issuer.keys,
    audienceOf(issuer.config),
    { userId: subject.id, sessionId, email: subject.email, roles: subject.roles },
    ttl,
    Math.min(now, subject.rolesReadAt),
  );
  return {
    access_token: token,
    refresh_token: refreshToken,
    token_type: 'bearer',
    expires_in: ttl,
  };
}

/**
 * Creates a session in the user's SessionStore and returns its first token pair. `verifiedAt`
 * is when the credentials were checked (before the password hash was read): the store refuses
 * it if every session was ended since (reset, password change, suspension), answered 401 like
 * a wrong password, since the password checked may be the one just replaced. 403 when the
 * account was suspended or deleted meanwhile.
 */
export async function startSession(
  issuer: TokenIssuer,
  subject: Subject,
  device: Device,
  verifiedAt: number,
  now = Date.now(),
) {
  const sessionId = crypto.randomUUID();
  const refreshToken = newRefreshToken(subject.id);
  const outcome = await sessionStore(issuer.sessions, subject.id).create({
    sessionId,
    refreshHash: await sha256(refreshToken),
    device,
    ttlMs: issuer.config.REFRESH_TOKEN_TTL_SECONDS * 1000,
    maxSessions: issuer.config.MAX_SESSIONS_PER_USER,
    verifiedAt,
    now,
  });
  if (!outcome.ok) {
    if (outcome.reason === 'blocked')
      throw new ApiError(403, 'ACCOUNT_SUSPENDED', 'This account is suspended');
    throw new ApiError(401, 'INVALID_CREDENTIALS', 'Invalid email or password');
  }
  return { sessionId, tokens: await issueTokenPair(issuer, subject, sessionId, refreshToken, now) };
}

/**
 * Rotates a refresh token in its owner's SessionStore (RFC 9700 §4.14.2). A refused token comes
 * back as the store's verdict; a reused one has already ended its session by then. Within the
 * reuse interval a concurrent refresh gets the same successor (security.md: "must return the
 * same new pair, never two valid families").
 */
export async function rotateRefreshToken(
  rotator: Rotator,
  userId: string,
  refreshToken: string,
  now = Date.now(),
) {
  const next = await successorOf(rotator.successorKey, userId, refreshToken);
  const [refreshHash, successorHash] = await Promise.all([sha256(refreshToken), sha256(next)]);
  const outcome = await sessionStore(rotator.sessions, userId).rotate({
    refreshHash,
    successorHash,
    reuseIntervalMs: rotator.reuseIntervalMs,
    now,
  });
  return outcome.ok ? { ...outcome, refreshToken: next } : outcome;
}

/**
 * Runs `write`, a D1 write that changes a user's roles, between two marks in their
 * SessionStore, so no access token keeps reporting roles from before it (require-auth.ts
 * withCurrentRoles). The first mark comes before the write: even if the second never happens
 * (the worker dies after the write), every token issued before the change is re-checked, and a
 * write that fails costs only a few D1 reads. The second comes after it, for tokens whose roles
 * were read while the write ran. A store that cannot answer fails the change (503) before the
 * write: better than a change that tokens would hide.
 */
export async function changeRoles<T>(
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
