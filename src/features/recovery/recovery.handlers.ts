import type { Context } from 'hono';
import { findUserByEmail, findUserById } from '../../db/queries/users';
import { peekOneTimeToken, redeemOneTimeToken } from '../../db/queries/tokens';
import type { TokenPurpose } from '../../db/schema';
import { scheduleTokenEmail, sendTokenEmail } from '../../lib/account-emails';
import { auditEntry } from '../../lib/audit';
import { sha256 } from '../../lib/crypto';
import { ApiError, orUnavailable } from '../../lib/errors';
import { clearLoginFailures } from '../../lib/login-attempts';
import { hashPassword } from '../../lib/password';
import { assertPasswordPolicy } from '../../lib/password-policy';
import { requireHasher } from '../../lib/secrets';
import { sessionStore } from '../../lib/session-tokens';
import { requireAuth } from '../../http/middleware/require-auth';
import type { AppEnv, AppRouteHandler } from '../../http/app-env';
import type * as routes from './recovery.routes';

const SENT = { message: 'If an account exists for this email, a message is on its way' };
const invalidToken = () =>
  new ApiError(401, 'INVALID_TOKEN', 'This link is invalid, used or expired');

/** The user behind a live token of one of `purposes`, without using it up; 401 otherwise. */
async function tokenOwner(c: Context<AppEnv>, purposes: TokenPurpose[], token: string) {
  const tokenHash = await sha256(token);
  const found = await peekOneTimeToken(c.var.db, purposes, tokenHash, new Date());
  const user = found ? await findUserById(c.var.db, found.userId) : undefined;
  if (!found || !user) throw invalidToken();
  return { user, tokenHash, purpose: found.purpose };
}

export const forgotPassword: AppRouteHandler<typeof routes.forgotPassword> = (c) => {
  const { email } = c.req.valid('json');
  // Everything happens after the answer, so neither its body nor its timing depends on whether
  // the account exists or on the email provider (security.md "Faults").
  c.executionCtx.waitUntil(
    findUserByEmail(c.var.db, email).then(
      (user) => user && sendTokenEmail(c, user, 'password_reset'),
      (err: unknown) => c.var.logger.error('forgot-password lookup failed', { error: err }),
    ),
  );
  return c.json(SENT, 202);
};

export const resetPassword: AppRouteHandler<typeof routes.resetPassword> = async (c) => {
  const { token, new_password } = c.req.valid('json');
  const hasher = requireHasher(c.var.secrets);
  // An operator's admin grant is redeemed here too: the role comes only with a password that the
  // link's holder sets, never with the one whoever registered the address chose.
  const { user, tokenHash, purpose } = await tokenOwner(
    c,
    ['password_reset', 'admin_grant'],
    token,
  );
  assertPasswordPolicy(c.var.config, new_password, user.email, 'new_password');
  const passwordHash = await hashPassword(hasher, new_password);
  // Sessions end before the token is spent (fail closed: if the store cannot answer, the link
  // still works for a retry) and again after, for any session started in between. The second
  // call's time is after the new hash is stored: it is the credential epoch, so a login that
  // read the old hash before then cannot start a session later.
  const endSessions = () =>
    orUnavailable('Session store', () =>
      sessionStore(c.env.SESSIONS, user.id).revokeAll({ now: Date.now() }),
    );
  await endSessions();
  const won = await redeemOneTimeToken(
    c.var.db,
    {
      purpose,
      tokenHash,
      userId: user.id,
      change: { passwordHash },
      grantRoles: purpose === 'admin_grant' ? ['admin'] : [],
    },
    auditEntry(c, 'password_reset', {
      userId: user.id,
      metadata: purpose === 'admin_grant' ? { granted_roles: ['admin'] } : {},
    }),
  );
  if (!won) throw invalidToken();
  await endSessions();
  await clearLoginFailures(c, user.email);
  return c.json({ message: 'Password changed; sign in with the new password' }, 200);
};

export const verifyEmail: AppRouteHandler<typeof routes.verifyEmail> = async (c) => {
  const { token } = c.req.valid('json');
  const { user, tokenHash } = await tokenOwner(c, ['email_verification'], token);
  const won = await redeemOneTimeToken(
    c.var.db,
    {
      purpose: 'email_verification',
      tokenHash,
      userId: user.id,
      // Verifying grants nothing: the password may be someone else's (account pre-hijacking).
      change: { emailVerifiedAt: new Date() },
    },
    auditEntry(c, 'email_verified', { userId: user.id }),
  );
  if (!won) throw invalidToken();
  return c.json({ message: 'Email verified' }, 200);
};

export const resendVerification: AppRouteHandler<typeof routes.resendVerification> = async (c) => {
  const body = c.req.valid('json');
  let user;
  if (c.req.header('Authorization') !== undefined) {
    await requireAuth(c, async () => undefined);
    user = await findUserById(c.var.db, c.var.auth.sub);
  } else if (body?.email) {
    user = await findUserByEmail(c.var.db, body.email);
  } else {
    throw new ApiError(422, 'VALIDATION_ERROR', 'Request validation failed', {
      errors: [{ field: 'email', message: 'required without a bearer token' }],
    });
  }
  if (user && user.emailVerifiedAt === null) scheduleTokenEmail(c, user, 'email_verification');
  return c.json(SENT, 202);
};
