import { findUserById } from '../db/queries/users';
import { ApiError } from '../lib/errors';
import { grantsFor, isAdmin, requireScope, type Caller } from './access';
import { assertRecentlyAuthenticated } from './credentials';
import type { Deps } from './deps';
import { resetMfa } from './factors/enrolment';

/**
 * DELETE /admin/users/{id}/mfa: an admin, or a service with mfa:reset, switches a user's second
 * factors off. The factors of an account holding a global admin role are different (security
 * review M1: a service key switched an admin's MFA off, then the admin's password alone signed
 * in): no service may, and an admin must have signed in with a second factor within the last
 * five minutes, the rule of removing one's own factor (a stolen password-only admin token
 * cannot strip another admin's).
 */
export async function resetFactors(deps: Deps, caller: Caller, userId: string) {
  requireScope(caller, 'mfa:reset');
  if (isAdmin((await grantsFor(deps, userId)).permissions)) {
    if (caller.kind === 'service') {
      throw new ApiError('FORBIDDEN', 'No service may reset the factors of an administrator');
    }
    const self = await findUserById(deps.db, caller.userId);
    if (!self) throw new ApiError('INVALID_TOKEN');
    await assertRecentlyAuthenticated(deps, self, caller.sessionId, undefined, 'second_factor');
  }
  const actor =
    caller.kind === 'user'
      ? { userId: caller.userId, by: 'admin' }
      : { userId: null, by: `service:${caller.service}` };
  await resetMfa(deps, actor, userId);
}
