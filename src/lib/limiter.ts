import type { Context } from 'hono';
import type { AppEnv } from '../http/app-env';
import { ApiError } from './errors';
import type { Decision, RateRule } from '../durable-objects/rate-limiter/logic';

/** The limiter object for one key (one Durable Object per key). */
export const limiterFor = (c: Context<AppEnv>, key: string) =>
  c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(key));

/**
 * One hit on `key`. If the limiter cannot answer, the request is refused (503): failing open
 * would switch brute-force protection off whenever the object is unreachable.
 */
export async function hitLimit(c: Context<AppEnv>, key: string, rule: RateRule): Promise<Decision> {
  try {
    return await limiterFor(c, key).hit(rule, Date.now());
  } catch (err) {
    c.var.logger.error('rate limiter unavailable', { error: err });
    throw new ApiError(503, 'DEPENDENCY_UNAVAILABLE', 'Rate limiting is unavailable', {
      headers: { 'Retry-After': '5' },
    });
  }
}

/** draft-ietf-httpapi-ratelimit-headers style; Reset is in seconds from now. */
export function rateHeaders(d: Decision, now = Date.now()): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(d.limit),
    'X-RateLimit-Remaining': String(d.remaining),
    'X-RateLimit-Reset': String(Math.max(0, Math.ceil((d.resetAt - now) / 1000))),
  };
}
