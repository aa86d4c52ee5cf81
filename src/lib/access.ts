import type { Context } from 'hono';
import { grantsOf } from '../db/queries/rbac';
import type { AppEnv } from '../types';
import { ApiError, orUnavailable } from './errors';
import { isAdmin } from './permissions';

/**
 * The api.md rule for per-user routes: the user themself, an admin, or (when `services` is true)
 * a service with an API key. Anyone else gets 403; the target's existence is not revealed.
 */
export async function assertSelfOrAdmin(
  c: Context<AppEnv>,
  userId: string,
  services = true,
): Promise<void> {
  if (c.var.service) {
    if (services) return;
    throw new ApiError(403, 'FORBIDDEN', 'Services may not use this route');
  }
  if (c.var.auth.sub === userId) return;
  const grants = await orUnavailable('Database', () => grantsOf(c.var.db, c.var.auth.sub));
  if (!isAdmin(grants.permissions))
    throw new ApiError(403, 'FORBIDDEN', 'Not allowed for this user');
}

/** Services, or users who are admins right now (read from D1); anyone else 403. */
export async function assertServiceOrAdmin(c: Context<AppEnv>): Promise<void> {
  if (c.var.service) return;
  const grants = await orUnavailable('Database', () => grantsOf(c.var.db, c.var.auth.sub));
  if (!isAdmin(grants.permissions))
    throw new ApiError(403, 'FORBIDDEN', 'Service or administrator access is required');
}
