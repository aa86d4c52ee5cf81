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

/**
 * Per-IP rules, each on its own Rate Limiting binding (wrangler.toml `[[ratelimits]]`, the
 * binding named here). The binding answers only allowed or not, and its configuration cannot
 * be read at run time, so its limit and period are repeated here for the headers;
 * test/deploy-config.test.ts holds them equal to wrangler.toml.
 */
export const IP_LIMITS = {
  login: { binding: 'RATE_LIMIT_LOGIN', limit: 100, period: 60 },
  register: { binding: 'RATE_LIMIT_REGISTER', limit: 100, period: 60 },
  refresh: { binding: 'RATE_LIMIT_REFRESH', limit: 100, period: 60 },
  forgot_password: { binding: 'RATE_LIMIT_FORGOT_PASSWORD', limit: 100, period: 60 },
  resend_verification: { binding: 'RATE_LIMIT_RESEND_VERIFICATION', limit: 100, period: 60 },
} as const satisfies Record<
  string,
  { binding: keyof Deps['ipLimits']; limit: number; period: 10 | 60 }
>;

/**
 * One hit of `ip` on a route's rule: the headers to send (X-RateLimit-Limit), or 429. The
 * binding keeps no count it can report, so an allowed request carries no Remaining or Reset; a
 * refused one has 0 remaining, and as the window is fixed it waits at most one period
 * (Retry-After and X-RateLimit-Reset, security.md's headers on a 429). Like the lockout, a binding that
 * cannot answer refuses the request (503): failing open would switch the limit off.
 */
export async function limitIp(
  deps: Pick<Deps, 'ipLimits' | 'logger'>,
  route: keyof typeof IP_LIMITS,
  ip: string,
): Promise<Record<string, string>> {
  const rule = IP_LIMITS[route];
  let allowed: boolean;
  try {
    ({ success: allowed } = await deps.ipLimits[rule.binding].limit({ key: ip }));
  } catch (err) {
    deps.logger.error('rate limiter unavailable', { error: err, binding: rule.binding });
    throw new ApiError('DEPENDENCY_UNAVAILABLE', 'Rate limiting is unavailable', {
      headers: { 'Retry-After': '5' },
    });
  }
  const headers = { 'X-RateLimit-Limit': String(rule.limit) };
  if (!allowed) {
    throw new ApiError('RATE_LIMITED', 'Too many requests from this address', {
      headers: {
        ...headers,
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': String(rule.period),
        'Retry-After': String(rule.period),
      },
    });
  }
  return headers;
}

const lockoutKey = (email: string) => `login-account:${email}`;

/**
 * security.md "Brute force": the attempt reserves a slot in the account's RateLimiter before
 * the answer is checked, so parallel guesses cannot exceed the limit. What then happens to the
 * slot is the caller's: a wrong answer keeps it, `clear` (a finished sign-in) forgets every
 * failure, `release` gives back this one slot (a right answer that does not finish the sign-in:
 * "Sign-in methods", only wrong answers count). Unknown emails are counted too, so locking
 * reveals nothing about which accounts exist.
 */
export async function reserveLoginAttempt(deps: LimitDeps & Pick<Deps, 'config'>, email: string) {
  const { LOGIN_MAX_FAILURES, LOGIN_FAILURE_WINDOW_SECONDS, LOCKOUT_SECONDS } = deps.config;
  const at = deps.now();
  const decision = await hitLimit({ ...deps, now: () => at }, lockoutKey(email), {
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
  return {
    lockedNow: decision.lockedNow,
    clear: () => clearLoginFailures(deps, email),
    release: () => releaseLoginAttempt(deps, email, at),
  };
}

export type LoginAttempt = Awaited<ReturnType<typeof reserveLoginAttempt>>;

/** Gives back one reserved slot; best effort, like clearLoginFailures. */
async function releaseLoginAttempt(deps: LimitDeps, email: string, at: number) {
  try {
    await limiterFor(deps, lockoutKey(email)).release(at);
  } catch (err) {
    deps.logger.error('could not release a login attempt', { error: err });
  }
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
