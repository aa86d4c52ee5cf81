import type { MiddlewareHandler } from 'hono';
import { isAdminNow } from '../../domain/access';
import { ApiError } from '../../lib/errors';
import { matchServiceKey } from '../../lib/service-keys';
import type { AppEnv } from '../app-env';
import { requireAuth, userOf } from './require-auth';

const API_KEY_HEADER = 'X-API-Key';

/** Service routes: a configured X-API-Key (compared in constant time) names the caller. */
export const requireService: MiddlewareHandler<AppEnv> = async (c, next) => {
  const presented = c.req.header(API_KEY_HEADER);
  const found = presented ? matchServiceKey(c.var.secrets.services.keys, presented) : null;
  if (!found) throw new ApiError('INVALID_API_KEY', 'A valid X-API-Key is required');
  c.set('caller', { kind: 'service', service: found.name, scopes: found.scopes });
  await next();
};

/** Routes open to services and users: an X-API-Key is checked as such, otherwise a bearer token. */
export const requireUserOrService: MiddlewareHandler<AppEnv> = (c, next) =>
  c.req.header(API_KEY_HEADER) !== undefined ? requireService(c, next) : requireAuth(c, next);

/** Admin routes: a live session whose user holds admin_panel:admin right now (read from D1). */
export const requireAdmin: MiddlewareHandler<AppEnv> = (c, next) =>
  requireAuth(c, async () => {
    if (!(await isAdminNow(c.var.deps, userOf(c)))) {
      throw new ApiError('FORBIDDEN', 'Administrator access is required');
    }
    await next();
  });

/** Operator routes open to a service (X-API-Key) or an admin (bearer, checked now). */
export const requireAdminOrService: MiddlewareHandler<AppEnv> = (c, next) =>
  c.req.header(API_KEY_HEADER) !== undefined ? requireService(c, next) : requireAdmin(c, next);
