import type { Decision, RateRule } from '../durable-objects/rate-limiter/logic';
import { ApiError } from '../lib/errors';
import type { Deps } from './deps';

type LimitDeps = Pick<Deps, 'limiters' | 'logger' | 'now'>;

/** The limiter object for one key (one Durable Object per key). */
export const limiterFor = (deps: Pick<Deps, 'limiters'>, key: string) =>
  deps.limiters.get(deps.limiters.idFromName(key));

/**
 * One hit on `key`. If the limiter cannot answer, the request is refused (503): failing open
 * would switch brute-force protection off whenever the object is unreachable.
 */
export async function hitLimit(deps: LimitDeps, key: string, rule: RateRule): Promise<Decision> {
  try {
    return await limiterFor(deps, key).hit(rule, deps.now());
  } catch (err) {
    deps.logger.error('rate limiter unavailable', { error: err });
    throw new ApiError('DEPENDENCY_UNAVAILABLE', 'Rate limiting is unavailable', {
      headers: { 'Retry-After': '5' },
    });
  }
}

/** draft-ietf-httpapi-ratelimit-headers style; Reset is in seconds from now. */
export function rateHeaders(d: Decision, now: number): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(d.limit),
    'X-RateLimit-Remaining': String(d.remaining),
    'X-RateLimit-Reset': String(Math.max(0, Math.ceil((d.resetAt - now) / 1000))),
  };
}

/** Per-IP rules, each named by the var that configures it. */
export const IP_RULES = {
  login: 'RATE_LIMIT_LOGIN',
  register: 'RATE_LIMIT_REGISTER',
  refresh: 'RATE_LIMIT_REFRESH',
  forgot_password: 'RATE_LIMIT_FORGOT_PASSWORD',
  resend_verification: 'RATE_LIMIT_RESEND_VERIFICATION',
} as const;

/** One hit of `ip` on a route's rule: the rate headers to send, or 429 with them. */
export async function limitIp(
  deps: LimitDeps & Pick<Deps, 'config'>,
  route: keyof typeof IP_RULES,
  ip: string,
): Promise<Record<string, string>> {
  const decision = await hitLimit(deps, `ip:${route}:${ip}`, deps.config[IP_RULES[route]]);
  const headers = rateHeaders(decision, deps.now());
  if (!decision.allowed) {
    throw new ApiError('RATE_LIMITED', 'Too many requests from this address', {
      headers: { ...headers, 'Retry-After': String(decision.retryAfter) },
    });
  }
  return headers;
}

const lockoutKey = (email: string) => `login-account:${email}`;

/**
 * security.md "Brute force": the attempt reserves a slot in the account's RateLimiter before
 * the hash is checked, so parallel guesses cannot exceed the limit; a success clears the count.
 * Unknown emails are counted too, so locking reveals nothing about which accounts exist.
 */
export async function reserveLoginAttempt(deps: LimitDeps & Pick<Deps, 'config'>, email: string) {
  const { LOGIN_MAX_FAILURES, LOGIN_FAILURE_WINDOW_SECONDS, LOCKOUT_SECONDS } = deps.config;
  const decision = await hitLimit(deps, lockoutKey(email), {
    limit: LOGIN_MAX_FAILURES,
    windowMs: LOGIN_FAILURE_WINDOW_SECONDS * 1000,
    lockoutMs: LOCKOUT_SECONDS * 1000,
  });
  if (!decision.allowed) {
    throw new ApiError(
      'ACCOUNT_LOCKED',
      'Too many failed attempts; try again later or reset the password',
      { headers: { 'Retry-After': String(decision.retryAfter) } },
    );
  }
  return { lockedNow: decision.lockedNow, clear: () => clearLoginFailures(deps, email) };
}

/**
 * Forgets an account's failed logins and any lock (a success, or a password reset). Best
 * effort: the count expires on its own, so a limiter that cannot answer must not fail the
 * request that earned the reset.
 */
export async function clearLoginFailures(deps: LimitDeps, email: string): Promise<void> {
  try {
    await limiterFor(deps, lockoutKey(email)).reset();
  } catch (err) {
    deps.logger.error('could not clear login failures', { error: err });
  }
}
