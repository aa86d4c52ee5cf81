import type { MiddlewareHandler } from 'hono';
import { IP_LIMITS, limitIp } from '../../domain/limits';
import type { AppEnv } from '../app-env';
import { clientIp } from '../device';

/**
 * Per-IP limit on a route. The address is CF-Connecting-IP only (set by Cloudflare's edge);
 * without it the request did not come through the edge (local runs, service bindings) and is
 * not limited per IP.
 *
 * By default the limit is decided before the handler runs. With `inDomain`, the route's domain
 * function awaits the verdict itself (`deps.admitted`, in parallel with its first read and
 * before any write or hash), which takes the limit's round trip off the critical path. Should
 * that function not await it, the verdict is still awaited here and a refusal still answers 429.
 */
export const limitByIp =
  (
    route: keyof typeof IP_LIMITS,
    options: { inDomain?: boolean } = {},
  ): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const ip = clientIp(c);
    if (!ip) return next();
    if (!options.inDomain) {
      const headers = await limitIp(c.var.deps, route, ip);
      await next();
      for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
      return;
    }
    const verdict = limitIp(c.var.deps, route, ip);
    // Observed here so a refusal the domain never awaits is not an unhandled rejection.
    verdict.catch(() => undefined);
    c.set('deps', { ...c.var.deps, admitted: () => verdict.then(() => undefined) });
    await next();
    const headers = await verdict;
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
