import {
  changePassword as storePassword,
  deleteUser as removeUser,
  findUserById,
} from '../../db/queries/users';
import { assertSelfOrAdmin } from '../../lib/access';
import { auditEntry } from '../../lib/audit';
import { ApiError, orUnavailable } from '../../lib/errors';
import { hashPassword, verifyPassword } from '../../lib/password';
import { requireHasher } from '../../lib/secrets';
import { sessionStore } from '../../lib/session-tokens';
import type { AppRouteHandler } from '../../http/app-env';
import { reserveLoginAttempt } from '../../lib/login-attempts';
import { assertRecentlyAuthenticated } from '../../lib/reauth';
import { assertPasswordPolicy } from '../../lib/password-policy';
import type * as routes from './account.routes';

export const deleteUser: AppRouteHandler<typeof routes.deleteUser> = async (c) => {
  const { user_id } = c.req.valid('param');
  const body = c.req.valid('json');
  await assertSelfOrAdmin(c, user_id, false);
  const user = await findUserById(c.var.db, user_id);
  if (!user) throw new ApiError(404, 'NOT_FOUND', 'User not found');
  // The user themself re-authenticates; an admin deleting someone else already proved rights.
  if (user_id === c.var.auth.sub) await assertRecentlyAuthenticated(c, user, body?.password);
  // Sessions end (and stay impossible) before the row goes, so no token outlives the account.
  await sessionStore(c.env.SESSIONS, user_id).block(Date.now());
  await removeUser(
    c.var.db,
    user_id,
    auditEntry(c, 'deleted', { userId: user_id, actorId: c.var.auth.sub }),
  );
  return c.body(null, 204);
};

export const changePassword: AppRouteHandler<typeof routes.changePassword> = async (c) => {
  const { current_password, new_password } = c.req.valid('json');
  const hasher = requireHasher(c.var.secrets);
  const { sub, sid } = c.var.auth;
  const user = await findUserById(c.var.db, sub);
  if (!user) throw new ApiError(404, 'NOT_FOUND', 'User not found');
  // A stolen access token must not become a password oracle: guesses count toward the lockout.
  const attempt = await reserveLoginAttempt(c, user.email);
  if (!(await verifyPassword(hasher, current_password, user.passwordHash)).ok) {
    throw new ApiError(401, 'INVALID_CREDENTIALS', 'Current password is wrong');
  }
  await attempt.clear();
  assertPasswordPolicy(c.var.config, new_password, user.email, 'new_password');
  const passwordHash = await hashPassword(hasher, new_password);
  await storePassword(
    c.var.db,
    sub,
    passwordHash,
    auditEntry(c, 'password_changed', { userId: sub }),
  );
  // After the new hash is stored: logins that may have read the old one cannot start a session.
  await orUnavailable('Session store', () =>
    sessionStore(c.env.SESSIONS, sub).revokeAll({ exceptSessionId: sid, now: Date.now() }),
  );
  return c.json({ message: 'Password changed; other sessions have been signed out' }, 200);
};
