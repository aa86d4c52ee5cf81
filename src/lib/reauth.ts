import type { Context } from 'hono';
import type { User } from '../db/schema';
import type { AppEnv } from '../http/app-env';
import { ApiError, orUnavailable } from './errors';
import { reserveLoginAttempt } from './login-attempts';
import { verifyPassword } from './password';
import { requireHasher } from './secrets';
import { sessionStore } from './session-tokens';

/** How recent a sign-in must be to stand in for the password (security.md: re-authentication). */
export const REAUTH_WINDOW_MS = 5 * 60_000;

const reauthRequired = () =>
  new ApiError(
    401,
    'INVALID_CREDENTIALS',
    'Confirm with your password, or sign in again: this needs a sign-in within the last 5 minutes',
  );

/**
 * Destructive self-service (deleting the account) needs proof that the user, not just a
 * holder of their access token, is asking (OWASP ASVS 4.0 §3.7.1, Authentication cheat sheet
 * "re-authenticate for sensitive features"): the right password, or a session that started with
 * a sign-in at most REAUTH_WINDOW_MS ago. A refresh keeps the session's start, so a stolen
 * refresh token does not make a session fresh. Password guesses count toward the account lockout,
 * so a stolen token is no password oracle. 401 otherwise (423 once locked).
 */
export async function assertRecentlyAuthenticated(
  c: Context<AppEnv>,
  user: Pick<User, 'id' | 'email' | 'passwordHash'>,
  password: string | undefined,
  now = Date.now(),
): Promise<void> {
  if (password !== undefined) {
    const hasher = requireHasher(c.var.secrets);
    const attempt = await reserveLoginAttempt(c, user.email);
    if (!(await verifyPassword(hasher, password, user.passwordHash)).ok) throw reauthRequired();
    await attempt.clear();
    return;
  }
  const session = await orUnavailable('Session store', () =>
    sessionStore(c.env.SESSIONS, user.id).get(c.var.auth.sid, now),
  );
  if (!session || now - session.createdAt > REAUTH_WINDOW_MS) throw reauthRequired();
}
