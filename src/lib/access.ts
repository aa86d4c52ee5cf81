import type { Context } from 'hono';
import { grantsOf } from '../db/queries/rbac';
import { findUserWithProfile } from '../db/queries/users';
import type { AppEnv } from '../http/app-env';
import { ApiError, orUnavailable } from './errors';
import { isAdmin } from './permissions';

/**
 * Whether the signed-in caller holds admin_panel:admin right now: read from D1, not the token,
 * whose roles may predate a change. 503 when D1 cannot answer.
 */
export async function callerIsAdmin(c: Context<AppEnv>): Promise<boolean> {
  const grants = await orUnavailable('Database', () => grantsOf(c.var.db, c.var.auth.sub));
  return isAdmin(grants.permissions);
}

/** A user and their profile, or 404. */
export async function userWithProfileOr404(c: Context<AppEnv>, userId: string) {
  const row = await findUserWithProfile(c.var.db, userId);
  if (!row) throw new ApiError(404, 'NOT_FOUND', 'User not found');
  return row;
}

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
  if (!(await callerIsAdmin(c))) throw new ApiError(403, 'FORBIDDEN', 'Not allowed for this user');
}

/** Services, or users who are admins right now (read from D1); anyone else 403. */
export async function assertServiceOrAdmin(c: Context<AppEnv>): Promise<void> {
  if (c.var.service) return;
  if (!(await callerIsAdmin(c))) {
    throw new ApiError(403, 'FORBIDDEN', 'Service or administrator access is required');
  }
}
