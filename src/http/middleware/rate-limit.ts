import type { MiddlewareHandler } from 'hono';
import { clientIp } from '../device';
import { ApiError } from '../../lib/errors';
import { hitLimit, rateHeaders } from '../../lib/limiter';
import type { AppEnv } from '../app-env';

const RULES = {
  login: 'RATE_LIMIT_LOGIN',
  register: 'RATE_LIMIT_REGISTER',
  refresh: 'RATE_LIMIT_REFRESH',
  forgot_password: 'RATE_LIMIT_FORGOT_PASSWORD',
  resend_verification: 'RATE_LIMIT_RESEND_VERIFICATION',
} as const;

/**
 * Per-IP limit on a route. The address is CF-Connecting-IP only (set by Cloudflare's edge);
 * without it the request did not come through the edge (local runs, service bindings) and is
 * not limited per IP.
 */
export const limitByIp =
  (route: keyof typeof RULES): MiddlewareHandler<AppEnv> =>
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
