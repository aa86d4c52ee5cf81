import type { Context } from 'hono';
import type { AppEnv } from '../types';
import { ApiError } from './errors';
import { hitLimit, limiterFor } from './limiter';

/**
 * security.md "Brute force": the attempt reserves a slot in the account's RateLimiter before
 * the hash is checked, so parallel guesses cannot exceed the limit; a success clears the count.
 * Unknown emails are counted too, so locking reveals nothing about which accounts exist.
 */
export async function reserveLoginAttempt(c: Context<AppEnv>, email: string) {
  const { LOGIN_MAX_FAILURES, LOGIN_FAILURE_WINDOW_SECONDS, LOCKOUT_SECONDS } = c.var.config;
  const key = `login-account:${email}`;
  const decision = await hitLimit(c, key, {
    limit: LOGIN_MAX_FAILURES,
    windowMs: LOGIN_FAILURE_WINDOW_SECONDS * 1000,
    lockoutMs: LOCKOUT_SECONDS * 1000,
  });
  if (!decision.allowed) {
    throw new ApiError(
      423,
      'ACCOUNT_LOCKED',
      'Too many failed attempts; try again later or reset the password',
      {
        headers: { 'Retry-After': String(decision.retryAfter) },
      },
    );
  }
  return { lockedNow: decision.lockedNow, clear: () => limiterFor(c, key).reset() };
}
