import type { Context, MiddlewareHandler } from 'hono';
import { grantsOf } from '../../db/queries/rbac';
import { ApiError, orUnavailable } from '../../lib/errors';
import {
  audienceOf,
  INVALID_TOKEN_CHALLENGE,
  verifyAccessToken,
  type AccessClaims,
} from '../../lib/jwt';
import { requireSigningKeys } from '../../lib/secrets';
import { sessionStore } from '../../lib/session-tokens';
import type { AppEnv } from '../app-env';

const challenge = { headers: { 'WWW-Authenticate': 'Bearer' } };

/** The bearer token of the request, if it sent one. */
export function bearerToken(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match?.[1] ?? null;
}

/**
 * Bearer routes: a valid access token whose session is still live in the user's SessionStore.
 * The store is consulted on every call, so logout and revocation take effect at once.
 */
export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = bearerToken(c.req.header('Authorization'));
  if (!token)
    throw new ApiError(401, 'INVALID_TOKEN', 'A bearer access token is required', challenge);
  const keys = requireSigningKeys(c.var.secrets);
  const { config } = c.var;
  const claims = await verifyAccessToken(keys, audienceOf(config), token);
  const { live, rolesChangedAt } = await orUnavailable('Session store', () =>
    sessionStore(c.env.SESSIONS, claims.sub).check(claims.sid, Date.now()),
  );
  if (!live)
    throw new ApiError(401, 'SESSION_REVOKED', 'This session has ended', INVALID_TOKEN_CHALLENGE);
  c.set('auth', await withCurrentRoles(c, claims, rolesChangedAt));
  await next();
};

/**
 * The token's roles, unless they may be stale: a token's iat is when its roles were read
 * (session-tokens.ts), so if the roles changed at or after that second, read them from D1.
 * Roles rarely change, so in the common case this is no call at all.
 */
async function withCurrentRoles(
  c: Context<AppEnv>,
  claims: AccessClaims,
  rolesChangedAt: number | null,
): Promise<AccessClaims> {
  if (rolesChangedAt === null || claims.iat * 1000 > rolesChangedAt) return claims;
  const { roles } = await orUnavailable('Database', () => grantsOf(c.var.db, claims.sub));
  return { ...claims, roles };
}
