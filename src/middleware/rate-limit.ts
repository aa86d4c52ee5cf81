import type { Context, MiddlewareHandler } from 'hono';
import { clientIp } from '../lib/device';
import { ApiError } from '../lib/errors';
import type { Decision, RateRule } from '../lib/rate-limit';
import type { AppEnv } from '../types';

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
    c.var.logger.error('rate limiter unavailable', { error: String(err) });
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

type LimitedRoute = 'login' | 'register' | 'refresh';
const RULES = {
  login: 'RATE_LIMIT_LOGIN',
  register: 'RATE_LIMIT_REGISTER',
  refresh: 'RATE_LIMIT_REFRESH',
} as const;

/**
 * Per-IP limit on a route. The address is CF-Connecting-IP only (set by Cloudflare's edge);
 * without it the request did not come through the edge (local runs, service bindings) and is
 * not limited per IP.
 */
export const limitByIp =
  (route: LimitedRoute): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const ip = clientIp(c);
    if (!ip) return next();
    const decision = await hitLimit(c, `ip:${route}:${ip}`, c.var.config[RULES[route]]);
    const headers = rateHeaders(decision);
    if (!decision.allowed) {
      throw new ApiError(429, 'RATE_LIMITED', 'Too many requests from this address', {
        headers: { ...headers, 'Retry-After': String(decision.retryAfter) },
      });
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
