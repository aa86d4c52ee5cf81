import { peekOneTimeToken, redeemOneTimeToken } from '../db/queries/one-time-tokens';
import {
  changePassword as storePassword,
  findUserByEmail,
  findUserById,
} from '../db/queries/users';
import type { TokenPurpose, User } from '../db/schema';
import { sessionStore } from '../durable-objects/session-store/object';
import { sha256 } from '../lib/crypto';
import { ApiError, orUnavailable } from '../lib/errors';
import { verifyPassword } from '../lib/password';
import { assertPasswordPolicy } from '../lib/password-policy';
import { requireHasher } from '../lib/secrets';
import { hashNewPassword } from './breached-passwords';
import type { Deps } from './deps';
import { refuseImpersonation } from './impersonation';
import { clearLoginFailures, reserveLoginAttempt } from './limits';
import { scheduleTokenEmail, sendTokenEmail } from './notifications';

/**
 * Passwords and the single-use links around them: change, forgotten password, reset (and the
 * operator's admin grant, redeemed the same way), email verification, re-authentication.
 */

const invalidToken = () => new ApiError('INVALID_TOKEN', 'This link is invalid, used or expired');

/** The user behind a live token of one of `purposes`, without using it up; 401 otherwise. */
async function tokenOwner(deps: Pick<Deps, 'db' | 'now'>, purposes: TokenPurpose[], token: string) {
  const tokenHash = await sha256(token);
  const found = await peekOneTimeToken(deps.db, purposes, tokenHash, new Date(deps.now()));
  const user = found ? await findUserById(deps.db, found.userId) : undefined;
  if (!found || !user) throw invalidToken();
  return { user, tokenHash, purpose: found.purpose };
}

/** Ends every session of a user; the time is the credential epoch (no older login may start one). */
const endAllSessions = (deps: Pick<Deps, 'sessions' | 'now'>, userId: string) =>
  orUnavailable('Session store', () =>
    sessionStore(deps.sessions, userId).revokeAll({ now: deps.now() }),
  );

/** A stolen access token must not become a password oracle: guesses count toward the lockout. */
async function checkPassword(
  deps: Deps,
  user: Pick<User, 'email' | 'passwordHash'>,
  password: string,
) {
  const attempt = await reserveLoginAttempt(deps, user.email);
  const ok = (await verifyPassword(requireHasher(deps.secrets), password, user.passwordHash)).ok;
  if (ok) await attempt.clear();
  return ok;
}

/** Changes the caller's password and ends every other session. */
export async function changePassword(
  deps: Deps,
  caller: { userId: string; sessionId: string; claims: { act?: { sub: string } } },
  passwords: { current: string; next: string },
): Promise<void> {
  refuseImpersonation(caller);
  requireHasher(deps.secrets);
  const user = await findUserById(deps.db, caller.userId);
  if (!user) throw new ApiError('NOT_FOUND', 'User not found');
  if (!(await checkPassword(deps, user, passwords.current))) {
    throw new ApiError('INVALID_CREDENTIALS', 'Current password is wrong');
  }
  assertPasswordPolicy(deps.config, passwords.next, user.email, 'new_password');
  const passwordHash = await hashNewPassword(deps, passwords.next, 'new_password');
  await storePassword(
    deps.db,
    user.id,
    passwordHash,
    deps.events.entry({ type: 'password_changed', user_id: user.id }),
  );
  // After the new hash is stored: logins that may have read the old one cannot start a session.
  await orUnavailable('Session store', () =>
    sessionStore(deps.sessions, user.id).revokeAll({
      exceptSessionId: caller.sessionId,
      now: deps.now(),
    }),
  );
}

/**
 * Emails a reset link if the account exists. Everything happens after the answer, so neither
 * its content nor its timing depends on whether the account exists or on the email provider
 * (security.md "Faults").
 */
export function forgotPassword(deps: Deps, email: string): void {
  deps.defer(
    findUserByEmail(deps.db, email).then(
      (user) => user && sendTokenEmail(deps, user, 'password_reset'),
      (err: unknown) => deps.logger.error('forgot-password lookup failed', { error: err }),
    ),
  );
}

/**
 * Sets a new password through a reset link, or an operator's admin grant: the role comes only
 * with a password that the link's holder sets, never with the one whoever registered the
 * address chose. Single use; kills the other reset links; ends every session; unlocks the
 * account. On an account never verified the link is the first proof of the mailbox (security.md,
 * issue 20 "High"): the address is verified, and the second factors go, since whoever
 * registered the address first may have enrolled them; the address's owner starts clean.
 */
export async function resetPassword(deps: Deps, token: string, newPassword: string) {
  requireHasher(deps.secrets);
  const { user, tokenHash, purpose } = await tokenOwner(
    deps,
    ['password_reset', 'admin_grant'],
    token,
  );
  assertPasswordPolicy(deps.config, newPassword, user.email, 'new_password');
  const passwordHash = await hashNewPassword(deps, newPassword, 'new_password');
  const granted = purpose === 'admin_grant' ? ['admin'] : [];
  const firstProof = user.emailVerifiedAt === null;
  const metadata = {
    ...(granted.length > 0 && { granted_roles: granted }),
    ...(firstProof && { first_proof: true as const }),
  };
  // Sessions end before the token is spent (fail closed: if the store cannot answer, the link
  // still works for a retry) and again after, for any session started in between. The second
  // call's time is after the new hash is stored: it is the credential epoch, so a second step
  // opened before it cannot finish either.
  await endAllSessions(deps, user.id);
  const won = await redeemOneTimeToken(
    deps.db,
    {
      purpose,
      tokenHash,
      userId: user.id,
      change: { passwordHash, ...(firstProof && { emailVerifiedAt: new Date(deps.now()) }) },
      grantRoles: granted,
      alsoRevoke: ['password_reset'],
      clearSecondFactors: firstProof,
    },
    deps.events.entry({
      type: 'password_reset',
      user_id: user.id,
      ...(Object.keys(metadata).length > 0 && { metadata }),
    }),
  );
  if (!won) throw invalidToken();
  await endAllSessions(deps, user.id);
  await clearLoginFailures(deps, user.email);
}

/**
 * Confirms an address. Verifying grants no role and joins no organization: the password may be
 * someone else's (whoever registered the address first), so invitations wait for the account's
 * holder to accept them (domain/org-invitations.ts).
 */
export async function verifyEmail(deps: Deps, token: string): Promise<void> {
  const { user, tokenHash } = await tokenOwner(deps, ['email_verification'], token);
  const won = await redeemOneTimeToken(
    deps.db,
    {
      purpose: 'email_verification',
      tokenHash,
      userId: user.id,
      change: { emailVerifiedAt: new Date(deps.now()) },
    },
    deps.events.entry({ type: 'email_verified', user_id: user.id }),
  );
  if (!won) throw invalidToken();
}

/** Sends a new verification link to an unverified account, named by id or email. */
export async function resendVerification(deps: Deps, who: { userId: string } | { email: string }) {
  const user =
    'userId' in who
      ? await findUserById(deps.db, who.userId)
      : await findUserByEmail(deps.db, who.email);
  if (user && user.emailVerifiedAt === null) scheduleTokenEmail(deps, user, 'email_verification');
}

/** How recent a sign-in must be to stand in for the password (security.md: re-authentication). */
const REAUTH_WINDOW_MS = 5 * 60_000;

/**
 * Destructive self-service (deleting the account) needs proof that the user, not just a
 * holder of their access token, is asking (OWASP ASVS 4.0 §3.7.1, Authentication cheat sheet
 * "re-authenticate for sensitive features"): the right password, or a session that started with
 * a sign-in at most REAUTH_WINDOW_MS ago. A refresh keeps the session's start, so a stolen
 * refresh token does not make a session fresh. Password guesses count toward the account lockout,
 * so a stolen token is no password oracle. 401 otherwise (423 once locked).
 */
export async function assertRecentlyAuthenticated(
  deps: Deps,
  user: Pick<User, 'id' | 'email' | 'passwordHash'>,
  sessionId: string,
  password: string | undefined,
  /** A fresh session counts only if it was signed in with a second factor too (amr). */
  freshness: 'any' | 'second_factor' = 'any',
): Promise<void> {
  const refused = () =>
    new ApiError(
      'INVALID_CREDENTIALS',
      freshness === 'any'
        ? 'Confirm with your password, or sign in again: this needs a sign-in within the last 5 minutes'
        : 'Confirm with your password, or sign in again with your second factor (within the last 5 minutes)',
    );
  if (password !== undefined) {
    requireHasher(deps.secrets);
    if (!(await checkPassword(deps, user, password))) throw refused();
    return;
  }
  const now = deps.now();
  const session = await orUnavailable('Session store', () =>
    sessionStore(deps.sessions, user.id).get(sessionId, now),
  );
  if (!session || now - session.createdAt > REAUTH_WINDOW_MS) throw refused();
  if (freshness === 'second_factor' && (session.amr?.length ?? 0) < 2) throw refused();
}
