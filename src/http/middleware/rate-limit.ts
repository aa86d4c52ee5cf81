import type { MiddlewareHandler } from 'hono';
import { IP_RULES, limitIp } from '../../domain/limits';
import type { AppEnv } from '../app-env';
import { clientIp } from '../device';

/**
 * Per-IP limit on a route. The address is CF-Connecting-IP only (set by Cloudflare's edge);
 * without it the request did not come through the edge (local runs, service bindings) and is
 * not limited per IP.
 */
export const limitByIp =
  (route: keyof typeof IP_RULES): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const ip = clientIp(c);
    if (!ip) return next();
    const headers = await limitIp(c.var.deps, route, ip);
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
