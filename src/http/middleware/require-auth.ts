import type { Context, MiddlewareHandler } from 'hono';
import type { Caller } from '../../domain/access';
import { signedInUser } from '../../domain/access-tokens';
import { ApiError } from '../../lib/errors';
import type { AppEnv } from '../app-env';

const challenge = { headers: { 'WWW-Authenticate': 'Bearer' } };

/** The bearer token of the request, if it sent one. */
export function bearerToken(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match?.[1] ?? null;
}

/**
 * Bearer routes: a valid access token whose session is still live in the user's SessionStore
 * (domain/access-tokens.ts), consulted on every call, so logout and revocation take effect at once.
 */
export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  await authenticateBearer(c);
  await next();
};

/**
 * What requireAuth does, for a route whose body decides whether a bearer token is needed
 * (POST /mfa/verify: a bearer at enrolment, an mfa_token at login).
 */
export async function authenticateBearer(c: Context<AppEnv>) {
  const token = bearerToken(c.req.header('Authorization'));
  if (!token) throw new ApiError('INVALID_TOKEN', 'A bearer access token is required', challenge);
  const user = await signedInUser(c.var.deps, token);
  c.set('caller', user);
  return user;
}

/** Who is asking, on a route behind requireAuth / requireService (401 if nobody is). */
export function callerOf(c: Context<AppEnv>): Caller {
  if (!c.var.caller) throw new ApiError('INVALID_TOKEN', 'Authentication required', challenge);
  return c.var.caller;
}

/** The signed-in user, on a bearer route (401 for anyone else). */
export function userOf(c: Context<AppEnv>): Extract<Caller, { kind: 'user' }> {
  const caller = callerOf(c);
  if (caller.kind !== 'user') {
    throw new ApiError('INVALID_TOKEN', 'A bearer access token is required', challenge);
  }
  return caller;
}
