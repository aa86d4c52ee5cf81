import type { Context } from 'hono';
import type { AppEnv } from '../http/app-env';
import { ApiError } from './errors';
import { hitLimit, limiterFor } from './limiter';

/**
 * security.md "Brute force": the attempt reserves a slot in the account's RateLimiter before
 * the hash is checked, so parallel guesses cannot exceed the limit; a success clears the count.
 * Unknown emails are counted too, so locking reveals nothing about which accounts exist.
 */
export async function reserveLoginAttempt(c: Context<AppEnv>, email: string) {
  const { LOGIN_MAX_FAILURES, LOGIN_FAILURE_WINDOW_SECONDS, LOCKOUT_SECONDS } = c.var.config;
  const key = lockoutKey(email);
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
  return { lockedNow: decision.lockedNow, clear: () => clearLoginFailures(c, email) };
}

const lockoutKey = (email: string) => `login-account:${email}`;

/**
 * Forgets an account's failed logins and any lock (a success, or a password reset). Best
 * effort: the count expires on its own, so a limiter that cannot answer must not fail the
 * request that earned the reset.
 */
export async function clearLoginFailures(c: Context<AppEnv>, email: string): Promise<void> {
  try {
    await limiterFor(c, lockoutKey(email)).reset();
  } catch (err) {
    c.var.logger.error('could not clear login failures', { error: err });
  }
}
