import {
  peekEmailSignIn,
  proveMailbox,
  putEmailSignIn,
  takeEmailSignInByLink,
  tryEmailSignInCode,
} from '../../db/queries/email-sign-ins';
import { createUser, findSignInSubject, findUserByEmail } from '../../db/queries/users';
import type { EmailSignIn } from '../../db/schema';
import { sessionStore } from '../../durable-objects/session-store/object';
import { base64url, randomToken, sha256 } from '../../lib/crypto';
import { ApiError, orUnavailable } from '../../lib/errors';
import { NO_PASSWORD_HASH } from '../../lib/password';
import { requireHasher, requireSigningKeys } from '../../lib/secrets';
import type { Deps } from '../deps';
import { methodChoices } from '../factors/enrolment';
import { newOtpCode } from '../factors/one-time-codes';
import { clearLoginFailures, limiterFor, reserveLoginAttempt, type LoginAttempt } from '../limits';
import { notify } from '../notifications';
import { finishSignIn } from './finish';
import type { SignInResult } from './finish';
import { openChallenge } from './second-factor';

/**
 * Email sign-in, by link or code (api.md "Email sign-in", security.md "Sign-in methods"). A start
 * emails one link and one 6-digit code for the address, both single use, stored hashed, alive
 * EMAIL_SIGN_IN_TTL_S; a new start replaces them. The link proves the mailbox as a reset link
 * does; the code is guessable, so it is a password-like answer: 5 tries per start, and each
 * wrong one counts toward the account lockout. Either ends in finishSignIn with amr ["email"],
 * or in the account's second step.
 */
const EMAIL_SIGN_IN_TTL_S = 900;
const EMAIL_CODE_MAX_TRIES = 5;
const SUBJECT = 'Your sign-in link';

const deadLink = () =>
  new ApiError('INVALID_TOKEN', 'This sign-in link is invalid, used or expired');
const wrongCode = () => new ApiError('INVALID_CREDENTIALS', 'The code is wrong, used or expired');

/**
 * The code's stored form: an HMAC under the password pepper (a secret outside D1), bound to the
 * address. A 6-digit code's plain hash would fall to a search in a D1 dump; this does not.
 */
async function codeHashOf(deps: Pick<Deps, 'secrets'>, email: string, code: string) {
  const data = new TextEncoder().encode(`email-sign-in-code:${email}:${code}`);
  const mac = await crypto.subtle.sign('HMAC', requireHasher(deps.secrets).pepper, data);
  return base64url.encode(new Uint8Array(mac));
}

/**
 * Starts a sign-in: everything happens after the answer (`defer`), so neither the answer nor
 * its timing tells whether the address has an account (security.md "Sign-in methods").
 */
export function startEmailSignIn(
  deps: Deps,
  input: { email: string; returnTo?: string; createAccount?: boolean },
): void {
  requireHasher(deps.secrets);
  deps.defer(
    sendSignInEmail(deps, input).catch((err: unknown) =>
      deps.logger.error('email sign-in not sent', { error: err }),
    ),
  );
}

async function sendSignInEmail(
  deps: Deps,
  input: { email: string; returnTo?: string; createAccount?: boolean },
) {
  const { config, db, logger } = deps;
  const user = await findUserByEmail(db, input.email);
  // Nothing for an unknown address unless it may get an account (open sign-up).
  const createAccount = !user && input.createAccount === true && config.SIGN_UP_OPEN;
  if (!user && !createAccount) return;
  // Per address, account or not (the mail costs money and can flood an inbox).
  const decision = await limiterFor(deps, `notify:email_sign_in:${input.email}`).hit(
    config.NOTIFY_LIMIT_PER_ACCOUNT,
    deps.now(),
  );
  if (!decision.allowed) {
    logger.warn('email sign-in not sent: per-address limit', { user_id: user?.id ?? null });
    return;
  }
  const token = randomToken(32);
  const code = newOtpCode();
  const now = new Date(deps.now());
  await putEmailSignIn(db, {
    email: input.email,
    tokenHash: await sha256(token),
    codeHash: await codeHashOf(deps, input.email, code),
    createAccount,
    returnTo: input.returnTo ?? null,
    expiresAt: new Date(now.getTime() + EMAIL_SIGN_IN_TTL_S * 1000),
    createdAt: now,
  });
  const link = new URL('/auth/email/confirm', config.APP_URL);
  link.searchParams.set('token', token);
  const minutes = EMAIL_SIGN_IN_TTL_S / 60;
  await notify(deps, {
    channel: 'email',
    to: input.email,
    subject: SUBJECT,
    text: `To sign in, open this link within ${minutes} minutes:\n\n${link.toString()}\n\nOr enter this code where you asked to sign in: ${code}\n\nIf you did not ask to sign in, ignore this email: nobody can sign in without it.`,
  });
}

/** Whether a link is live, without using it up (a mail scanner's GET must not), and its return_to. */
export async function peekEmailLink(deps: Pick<Deps, 'db' | 'now'>, token: string) {
  const row = await peekEmailSignIn(deps.db, await sha256(token), new Date(deps.now()));
  return row && { returnTo: row.returnTo };
}

/** What a link or code sign-in ends in: tokens, or the account's second step. */
export type EmailSignInResult = SignInResult & { returnTo: string | null };

/**
 * Signs in with a link's token or an address and its code. Of two parallel uses of one link or
 * code exactly one gets in (a guarded UPDATE in D1). A wrong code reserves and keeps a lockout
 * slot as a wrong password does; a link is the mailbox's proof, as a reset link is, and works on
 * a locked account.
 */
export async function signInWithEmail(
  deps: Deps,
  input: { token: string } | { email: string; code: string },
): Promise<EmailSignInResult> {
  requireSigningKeys(deps.secrets);
  requireHasher(deps.secrets);
  // Credential epoch (security.md): a reset or "log out everywhere" after this refuses the session.
  const verifiedAt = deps.now();
  let row: EmailSignIn;
  let attempt: LoginAttempt;
  if ('token' in input) {
    const [tokenHash] = await Promise.all([sha256(input.token), deps.admitted()]);
    const taken = await takeEmailSignInByLink(deps.db, tokenHash, new Date(verifiedAt));
    if (!taken) throw deadLink();
    row = taken;
    attempt = {
      lockedNow: false,
      clear: () => clearLoginFailures(deps, taken.email),
      release: () => Promise.resolve(),
    };
  } else {
    const [codeHash] = await Promise.all([
      codeHashOf(deps, input.email, input.code),
      deps.admitted(),
    ]);
    attempt = await reserveLoginAttempt(deps, input.email);
    const tried = await tryEmailSignInCode(deps.db, {
      email: input.email,
      codeHash,
      maxTries: EMAIL_CODE_MAX_TRIES,
      now: new Date(verifiedAt),
    });
    if (tried.outcome !== 'ok') {
      deps.events.emit({ type: 'login_failed', user_id: null, metadata: { email: input.email } });
      if (attempt.lockedNow) {
        deps.events.emit({
          type: 'account_locked',
          user_id: null,
          metadata: { email: input.email },
        });
      }
      throw wrongCode();
    }
    row = tried.row;
  }
  const result = await enter(deps, row, attempt, verifiedAt);
  return { ...result, returnTo: row.returnTo };
}

/** The account the used sign-in names (made now for `create_account`), then in. */
async function enter(
  deps: Deps,
  row: EmailSignIn,
  attempt: LoginAttempt,
  verifiedAt: number,
): Promise<SignInResult> {
  let found = await findSignInSubject(deps.db, { email: row.email });
  if (!found && row.createAccount && deps.config.SIGN_UP_OPEN) {
    await createPasswordless(deps, row.email);
    found = await findSignInSubject(deps.db, { email: row.email });
  }
  // The account went away since the start (deleted), or sign-up closed meanwhile.
  if (!found) throw deadLink();
  let { user, methods } = found;
  if (user.emailVerifiedAt === null) {
    // The first proof of this mailbox: whatever the first registrant set up goes, and so do
    // their sessions (the credential epoch moves before this sign-in's session starts).
    const now = deps.now();
    if (await proveMailbox(deps.db, user.id, NO_PASSWORD_HASH, new Date(now))) {
      await orUnavailable('Session store', () =>
        sessionStore(deps.sessions, user.id).revokeAll({ now }),
      );
      verifiedAt = Math.max(verifiedAt, now);
      deps.events.emit({ type: 'email_verified', user_id: user.id });
      methods = [];
      user = { ...user, emailVerifiedAt: new Date(now) };
    }
  }
  if (user.status === 'suspended') {
    await attempt.clear();
    throw new ApiError('ACCOUNT_SUSPENDED', 'This account is suspended');
  }
  const choices = methodChoices(methods);
  if (choices.length > 0) {
    // Only wrong answers count (security.md): the right code's slot is given back.
    const [mfaToken] = await Promise.all([
      openChallenge(deps, user.id, { verifiedAt, amr: ['email'] }),
      attempt.release(),
    ]);
    return { kind: 'challenge', mfaToken, methods: choices };
  }
  const subject = {
    id: user.id,
    email: user.email,
    roles: found.roles,
    rolesReadAt: verifiedAt,
    amr: ['email'],
  };
  const signedIn = await finishSignIn(deps, { subject, attempt, start: { verifiedAt } });
  return { kind: 'tokens', ...signedIn };
}

/**
 * The account an email sign-in creates: verified by construction (the mailbox just proved
 * itself), no password (NO_PASSWORD_HASH: none matches; forgot-password can set one). A
 * registration that won the race meanwhile keeps its account, which the caller signs into.
 */
async function createPasswordless(deps: Deps, email: string) {
  const id = crypto.randomUUID();
  const created = await createUser(
    deps.db,
    {
      id,
      email,
      passwordHash: NO_PASSWORD_HASH,
      roles: ['user'],
      emailVerifiedAt: new Date(deps.now()),
    },
    {},
    deps.events.entry({ type: 'registered', user_id: id, metadata: { by: 'email_sign_in' } }),
  );
  if (!created.ok && created.conflict !== 'email') throw new Error('account not created');
}
