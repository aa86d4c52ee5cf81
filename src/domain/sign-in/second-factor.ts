import { findMfaMethod, markMfaMethodUsed } from '../../db/queries/mfa';
import { findSignInSubject } from '../../db/queries/users';
import type { MfaMethod } from '../../db/schema';
import type { ChallengeAnswer } from '../../durable-objects/session-store/logic';
import { sessionStore } from '../../durable-objects/session-store/object';
import { base64url, sha256 } from '../../lib/crypto';
import { ApiError, orUnavailable } from '../../lib/errors';
import type { Keyring } from '../../lib/keyring';
import { requireMfaKeys, requireSigningKeys } from '../../lib/secrets';
import type { Deps } from '../deps';
import { useBackupCode } from '../factors/backup-codes';
import { hashOtpCode, maskDestination, OTP_MAX_TRIES, sendCode } from '../factors/one-time-codes';
import { isCodeOf, TOTP_DIGITS, useTotp } from '../factors/totp';
import { reserveLoginAttempt } from '../limits';
import { finishSignIn, type SignedIn } from './finish';

/**
 * The second step of a sign-in (security.md "MFA", "Sign-in methods"). The first step (a
 * password, a passkey without user verification, an email link or code) leaves an `mfa_token`,
 * held (hashed) in the user's SessionStore with the moment it was verified and its amr;
 * answering it with a TOTP, email/SMS or backup code starts the session. The
 * token allows MFA_MAX_ATTEMPTS wrong codes; wrong codes also count toward the account
 * lockout, right ones never do.
 */
export const MFA_TOKEN_TTL_S = 300;
const MFA_MAX_ATTEMPTS = 5;

/** An mfa_token: `mfa.<user id>.<256 bits>`; the user id routes it to their SessionStore. */
const MFA_TOKEN = /^mfa\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;
const newMfaToken = (userId: string) =>
  `mfa.${userId}.${base64url.encode(crypto.getRandomValues(new Uint8Array(32)))}`;
const mfaTokenOwner = (token: string) => MFA_TOKEN.exec(token)?.[1] ?? null;

const deadToken = () => new ApiError('INVALID_TOKEN', 'The mfa_token is invalid, used or expired');
const wrongCode = () => new ApiError('INVALID_MFA_CODE', 'The code is wrong, used or expired');
const notFound = () => new ApiError('NOT_FOUND', 'No such MFA method');

/**
 * Which factor a second step passed with, and what it adds to the first step's `amr` (RFC
 * 8176; the SessionStore joins the two, so a password then TOTP is ['pwd', 'otp']).
 */
type UsedFactor = MfaMethod['type'] | 'backup_code';
const AMR: Record<UsedFactor, string[]> = {
  totp: ['otp'],
  email: ['otp'],
  sms: ['sms'],
  backup_code: ['otp'],
};

/**
 * Opens the second step for a first step (its `amr`: ['pwd'], ['hwk'], ['email']) verified at
 * `verifiedAt`: a 256-bit mfa_token bound to the user, alive MFA_TOKEN_TTL_S.
 */
export async function openChallenge(
  deps: Deps,
  userId: string,
  first: { verifiedAt: number; amr: string[] },
) {
  requireMfaKeys(deps.secrets);
  const mfaToken = newMfaToken(userId);
  const hash = await sha256(mfaToken);
  await orUnavailable('Session store', () =>
    sessionStore(deps.sessions, userId).openChallenge({
      hash,
      verifiedAt: first.verifiedAt,
      amr: first.amr,
      ttlMs: MFA_TOKEN_TTL_S * 1000,
      now: deps.now(),
    }),
  );
  return mfaToken;
}

/**
 * Sends the email/SMS code of one of the account's methods for a pending sign-in. The
 * mfa_token must still be answerable; asking for a code costs none of its tries.
 */
export async function sendLoginCode(deps: Deps, input: { mfaToken: string; methodId: string }) {
  requireMfaKeys(deps.secrets);
  const userId = mfaTokenOwner(input.mfaToken);
  if (!userId) throw deadToken();
  const hash = await sha256(input.mfaToken);
  const [open, method] = await Promise.all([
    orUnavailable('Session store', () =>
      sessionStore(deps.sessions, userId).challengeOpen(hash, MFA_MAX_ATTEMPTS, deps.now()),
    ),
    findMfaMethod(deps.db, userId, input.methodId),
  ]);
  if (!open) throw deadToken();
  if (!method?.confirmedAt) throw notFound();
  await sendCode(deps, method, hash, 'login');
  const type = method.type as 'email' | 'sms';
  return {
    methodId: method.id,
    type,
    destination: maskDestination(type, method.destination ?? ''),
  };
}

/**
 * The code as the worker can check it in D1 (a TOTP code of one of the methods, or a backup
 * code, each used up there by a guarded UPDATE), else the email/SMS codes it may be, for the
 * SessionStore to check. A code is used up before the store has said whether the mfa_token is
 * live: a made-up token spends a code only for someone who already holds that code.
 */
async function answerOf(
  deps: Deps,
  keys: Keyring,
  methods: MfaMethod[],
  input: { userId: string; code: string; challenge: string },
): Promise<{ answer: ChallengeAnswer; factor: UsedFactor | null }> {
  const none = { verified: null, otp: [], maxOtpTries: OTP_MAX_TRIES };
  for (const method of methods.filter((m) => m.type === 'totp')) {
    if (await useTotp(deps, keys, method, input.code)) {
      const verified = { amr: AMR.totp, methodId: null };
      return { answer: { ...none, verified }, factor: 'totp' };
    }
  }
  if (methods.length > 0 && (await useBackupCode(deps, input.userId, input.code))) {
    const verified = { amr: AMR.backup_code, methodId: null };
    return { answer: { ...none, verified }, factor: 'backup_code' };
  }
  if (!isCodeOf(TOTP_DIGITS, input.code)) return { answer: none, factor: null };
  const otp = await Promise.all(
    methods
      .filter((m) => m.type !== 'totp')
      .map(async (m) => ({
        methodId: m.id,
        codeHash: await hashOtpCode(m.id, input.challenge, input.code),
        amr: AMR[m.type],
      })),
  );
  return { answer: { ...none, otp }, factor: null };
}

/**
 * The second step: the mfa_token and a code → a session. Round trips: the user read ‖ the
 * per-IP verdict → the lockout reservation → a TOTP or backup code taken in D1 → the
 * SessionStore → the lockout cleared. The account's lockout slot is
 * reserved before the code is checked (parallel guesses across tokens stay bounded); then one
 * SessionStore call tries the token, checks an email/SMS code, uses the token up and starts the
 * session. A wrong answer keeps the slot and counts a try on the token; a right one clears the
 * lockout, or, if the token was dead meanwhile, gives its slot back.
 */
export async function signInWithSecondFactor(
  deps: Deps,
  input: { mfaToken: string; code: string; methodId?: string },
): Promise<SignedIn> {
  const keys = requireMfaKeys(deps.secrets);
  requireSigningKeys(deps.secrets);
  const userId = mfaTokenOwner(input.mfaToken);
  if (!userId) throw deadToken();
  const rolesReadAt = deps.now();
  // The per-IP verdict comes beside the user read, and before the lockout reservation, so that a
  // refused address cannot lock accounts.
  const [challenge, found] = await Promise.all([
    sha256(input.mfaToken),
    findSignInSubject(deps.db, { id: userId }),
    deps.admitted(),
  ]);
  if (!found) throw deadToken();
  const { user, roles } = found;
  const attempt = await reserveLoginAttempt(deps, user.email);
  const methods = found.methods.filter((m) => !input.methodId || m.id === input.methodId);
  const { answer, factor } = await answerOf(deps, keys, methods, {
    userId,
    code: input.code,
    challenge,
  });
  const passed: { factor?: UsedFactor; methodId?: string | null } = {};
  const store = sessionStore(deps.sessions, userId);
  const subject = { id: user.id, email: user.email, roles, rolesReadAt };
  const signedIn = await finishSignIn(deps, {
    subject,
    attempt,
    start: async (session) => {
      const outcome = await orUnavailable('Session store', async () => {
        const input = { hash: challenge, maxAttempts: MFA_MAX_ATTEMPTS, answer, session };
        return store.answerChallenge(input);
      });
      if (outcome.ok) {
        const method = methods.find((m) => m.id === outcome.methodId);
        passed.factor = factor ?? method?.type;
        passed.methodId = outcome.methodId;
        return outcome;
      }
      // The token was used up but no session may start: the answer was right.
      if (outcome.reason === 'blocked' || outcome.reason === 'stale_credentials') {
        await attempt.release();
        return outcome;
      }
      // A right code on a token that is dead (used, expired, out of tries) is no wrong answer.
      if (factor) {
        await attempt.release();
        throw deadToken();
      }
      const wrong = outcome.reason === 'wrong';
      deps.events.emit({
        type: 'mfa_failed',
        user_id: userId,
        metadata: { stage: 'login', reason: wrong ? 'wrong_code' : `token_${outcome.reason}` },
      });
      if (attempt.lockedNow) {
        const metadata = { email: user.email };
        deps.events.emit({ type: 'account_locked', user_id: userId, metadata });
      }
      throw wrong ? wrongCode() : deadToken();
    },
  });
  if (passed.factor === 'backup_code') {
    deps.events.emit({ type: 'backup_code_used', user_id: userId });
  }
  if (passed.methodId) {
    const methodId = passed.methodId;
    deps.defer(
      markMfaMethodUsed(deps.db, methodId, new Date(deps.now())).catch((err: unknown) =>
        deps.logger.error('MFA method last use not recorded', { error: err }),
      ),
    );
  }
  deps.events.emit({
    type: 'mfa_succeeded',
    user_id: userId,
    metadata: { session_id: signedIn.sessionId, method: passed.factor ?? 'totp' },
  });
  return signedIn;
}
