import {
  advanceTotpStep,
  confirmMfaMethod,
  deleteAllMfa,
  deleteMfaMethod,
  findMfaMethod,
  insertMfaMethod,
  listMfaMethods,
  markMfaMethodUsed,
  redeemBackupCode,
  replaceBackupCodes,
} from '../db/queries/mfa';
import { findSignInSubject, findUserById } from '../db/queries/users';
import type { MfaMethod, MfaType } from '../db/schema';
import type { AttemptOutcome } from '../durable-objects/session-store/logic';
import { sessionStore } from '../durable-objects/session-store/object';
import { sha256 } from '../lib/crypto';
import { ApiError, orUnavailable } from '../lib/errors';
import { requireMfaKey, requireSigningKeys } from '../lib/secrets';
import { assertRecentlyAuthenticated } from './credentials';
import type { Deps } from './deps';
import { hitLimit, reserveLoginAttempt } from './limits';
import * as codes from './mfa-codes';
import { notify } from './notifications';
import { startSession } from './sessions';

/**
 * Second factors (security.md "MFA"): TOTP, email and SMS codes, backup codes, and the second
 * step of login. A login that needs a factor gets only an `mfa_token`, held (hashed) in the
 * user's SessionStore, which counts every try and is used up by the first right code. Email and
 * SMS codes live there too (hashed, bound to the method and the login), so of parallel tries of
 * one code exactly one succeeds.
 */
export const MFA_TOKEN_TTL_S = 300;
export const MFA_MAX_ATTEMPTS = 5;
/** Email/SMS codes (api.md): 10 minutes, 5 tries. */
export const OTP_TTL_S = 600;
export const OTP_MAX_TRIES = 5;

type SessionCaller = { userId: string; sessionId: string };
type CodeMethod = Pick<MfaMethod, 'id' | 'userId' | 'type' | 'destination'>;

const notFound = () => new ApiError('NOT_FOUND', 'No such MFA method');
const wrongCode = () => new ApiError('INVALID_MFA_CODE', 'The code is wrong, used or expired');
const deadToken = () => new ApiError('INVALID_TOKEN', 'The mfa_token is invalid, used or expired');

export type SetupInput =
  | { type: 'totp'; password?: string }
  | { type: 'email'; password?: string }
  | { type: 'sms'; phone: string; password?: string };

export type SetupResult =
  | { kind: 'totp'; methodId: string; secret: string; uri: string; qrSvg: string }
  | { kind: 'code'; methodId: string; type: 'email' | 'sms'; destination: string };

/**
 * Starts an enrolment: the method exists, pending, until a first good code. Adding a factor is
 * as sensitive as removing one (whoever adds it decides who can sign in), so it needs the
 * password or a sign-in in the last few minutes, not just an access token.
 */
export async function setupMethod(
  deps: Deps,
  caller: SessionCaller,
  input: SetupInput,
): Promise<SetupResult> {
  const key = requireMfaKey(deps.secrets);
  const user = await findUserById(deps.db, caller.userId);
  if (!user) throw new ApiError('NOT_FOUND', 'User not found');
  await assertRecentlyAuthenticated(deps, user, caller.sessionId, input.password);
  const id = crypto.randomUUID();
  const now = new Date(deps.now());
  if (input.type === 'totp') {
    const secret = codes.newTotpSecret();
    const secretEnc = await codes.sealTotpSecret(key, secret, id, user.id);
    await insertMfaMethod(deps.db, { id, userId: user.id, type: 'totp', secretEnc, now });
    return { kind: 'totp', methodId: id, ...codes.enrolmentOf(secret, user.email) };
  }
  const destination = input.type === 'email' ? user.email : input.phone;
  const method = { id, userId: user.id, type: input.type, destination };
  await insertMfaMethod(deps.db, { ...method, now });
  await sendCode(deps, method, '', 'enrolment');
  const masked = codes.maskDestination(input.type, destination);
  return { kind: 'code', methodId: id, type: input.type, destination: masked };
}

/**
 * Sends a fresh email/SMS code for `method`, bound to `challenge` (the login's mfa_token hash,
 * '' for an enrolment); it replaces any code sent before. Sends are capped per account and per
 * destination (they cost money and can flood a phone). Unlike a reset email this is awaited: the
 * user is waiting for the code, and if it cannot go out they must hear so (503) and pick
 * another method, never get in without it (fail closed).
 */
async function sendCode(
  deps: Deps,
  method: CodeMethod,
  challenge: string,
  stage: 'enrolment' | 'login',
) {
  const { type, destination } = method;
  if ((type !== 'email' && type !== 'sms') || !destination) {
    throw new ApiError('VALIDATION_ERROR', 'TOTP codes come from the authenticator app');
  }
  const rule = deps.config.RATE_LIMIT_MFA_SEND;
  const decisions = await Promise.all([
    hitLimit(deps, `mfa-send:user:${method.userId}`, rule),
    hitLimit(deps, `mfa-send:to:${await sha256(destination)}`, rule),
  ]);
  const refused = decisions.find((d) => !d.allowed);
  if (refused) {
    throw new ApiError('RATE_LIMITED', 'Too many codes sent; try again later', {
      headers: { 'Retry-After': String(refused.retryAfter) },
    });
  }
  const code = codes.newOtpCode();
  const codeHash = await codes.hashOtpCode(method.id, challenge, code);
  const ttlMs = OTP_TTL_S * 1000;
  await orUnavailable('Session store', () =>
    sessionStore(deps.sessions, method.userId).putOtpCode({
      methodId: method.id,
      challenge,
      codeHash,
      ttlMs,
      now: deps.now(),
    }),
  );
  const what = stage === 'login' ? 'sign-in' : 'confirmation';
  const text = `Your ${what} code is ${code}. It expires in ${OTP_TTL_S / 60} minutes. If you did not ask for it, change your password.`;
  const delivery = await notify(deps, {
    channel: type,
    to: destination,
    ...(type === 'email' && { subject: `Your ${what} code` }),
    text,
  });
  if (delivery !== 'sent') {
    throw new ApiError('DEPENDENCY_UNAVAILABLE', 'The code could not be sent; try another method');
  }
  deps.events.emit({
    type: 'mfa_challenge_sent',
    user_id: method.userId,
    metadata: { method_id: method.id, type, stage },
  });
}

/** Tries an email/SMS code against the one pending for `method` and `challenge`. */
async function useOtp(deps: Deps, method: CodeMethod, challenge: string, code: string) {
  if (!codes.isCodeOf(codes.OTP_DIGITS, code)) return false;
  const codeHash = await codes.hashOtpCode(method.id, challenge, code);
  const outcome = await orUnavailable('Session store', () =>
    sessionStore(deps.sessions, method.userId).useOtpCode({
      methodId: method.id,
      challenge,
      codeHash,
      maxAttempts: OTP_MAX_TRIES,
      now: deps.now(),
    }),
  );
  return outcome === 'ok';
}

/**
 * The step of `code` for a TOTP method, if it is right and newer than the method's last used
 * step; the step is then taken (guarded UPDATE), so a replay, even a parallel one, fails.
 */
async function useTotp(deps: Deps, key: CryptoKey, method: MfaMethod, code: string) {
  if (method.type !== 'totp' || !method.secretEnc) return false;
  const secret = await codes.openTotpSecret(key, method.secretEnc, method.id, method.userId);
  const step = codes.matchTotp(secret, code, deps.now());
  if (step === null || step <= (method.lastUsedStep ?? -1)) return false;
  return (await advanceTotpStep(deps.db, method.id, step, new Date(deps.now()))) !== null;
}

/** Fresh backup codes replace the old set at once; only their hashes are stored. */
async function issueBackupCodes(deps: Deps, userId: string) {
  const fresh = codes.newBackupCodes();
  const hashes = await Promise.all(fresh.map(codes.hashBackupCode));
  await replaceBackupCodes(deps.db, userId, hashes, new Date(deps.now()));
  return fresh;
}

/**
 * Confirms an enrolment with its first good code (that step counts as used). The first active
 * method of the account comes with 10 backup codes, shown this once.
 */
export async function confirmMethod(deps: Deps, userId: string, methodId: string, code: string) {
  const key = requireMfaKey(deps.secrets);
  const method = await findMfaMethod(deps.db, userId, methodId);
  if (!method) throw notFound();
  if (method.confirmedAt) throw new ApiError('CONFLICT', 'This method is already active');
  const right =
    method.type === 'totp'
      ? await useTotp(deps, key, method, code)
      : await useOtp(deps, method, '', code);
  if (!right) {
    deps.events.emit({
      type: 'mfa_failed',
      user_id: userId,
      metadata: { stage: 'enrolment', reason: 'wrong_code' },
    });
    throw wrongCode();
  }
  const hadActive = (await listMfaMethods(deps.db, userId, true)).length > 0;
  const entry = deps.events.entry({
    type: 'mfa_enrolled',
    user_id: userId,
    metadata: { method_id: methodId, type: method.type },
  });
  if (!(await confirmMfaMethod(deps.db, methodId, new Date(deps.now()), entry))) {
    throw new ApiError('CONFLICT', 'This method is already active');
  }
  return { backupCodes: hadActive ? null : await issueBackupCodes(deps, userId) };
}

/** The user's methods, never a secret; destinations masked. */
export const listMethods = async (deps: Pick<Deps, 'db'>, userId: string) =>
  (await listMfaMethods(deps.db, userId)).map(({ secretEnc: _, destination, ...m }) => ({
    ...m,
    destination:
      destination && m.type !== 'totp' ? codes.maskDestination(m.type, destination) : null,
  }));

/** What /auth/me says about second factors. */
export async function mfaSummary(deps: Pick<Deps, 'db'>, userId: string) {
  const methods = await loginMethods(deps, userId);
  return { enabled: methods.length > 0, methods };
}

/**
 * Removes a method; needs the password, or a session signed in with a second factor in the
 * last few minutes (a stolen access token of a password-only session cannot switch MFA off).
 */
export async function removeMethod(
  deps: Deps,
  caller: SessionCaller,
  methodId: string,
  password: string | undefined,
) {
  const user = await findUserById(deps.db, caller.userId);
  if (!user) throw notFound();
  await assertRecentlyAuthenticated(deps, user, caller.sessionId, password, 'second_factor');
  const entry = deps.events.entry({
    type: 'mfa_removed',
    user_id: user.id,
    metadata: { method_id: methodId },
  });
  if (!(await deleteMfaMethod(deps.db, user.id, methodId, entry))) throw notFound();
}

/** A new set of 10 backup codes; the old set stops working at once. 409 without MFA on. */
export async function regenerateBackupCodes(deps: Deps, userId: string) {
  if ((await listMfaMethods(deps.db, userId, true)).length === 0) {
    throw new ApiError('CONFLICT', 'Multi-factor authentication is not enabled');
  }
  return issueBackupCodes(deps, userId);
}

/** The confirmed methods a login must pass one of (empty: no second step). */
export const loginMethods = async (deps: Pick<Deps, 'db'>, userId: string) =>
  methodChoices(await listMfaMethods(deps.db, userId, true));

/** Confirmed methods as a login challenge names them. */
export const methodChoices = (methods: Pick<MfaMethod, 'id' | 'type'>[]) =>
  methods.map((m) => ({ method_id: m.id, type: m.type }));

/**
 * Opens the second step of a login whose password was verified at `verifiedAt`: a 256-bit
 * mfa_token bound to the user, alive MFA_TOKEN_TTL_S, allowing MFA_MAX_ATTEMPTS codes.
 */
export async function openMfaChallenge(deps: Deps, userId: string, verifiedAt: number) {
  requireMfaKey(deps.secrets);
  const mfaToken = codes.newMfaToken(userId);
  const hash = await sha256(mfaToken);
  await orUnavailable('Session store', () =>
    sessionStore(deps.sessions, userId).openChallenge({
      hash,
      verifiedAt,
      ttlMs: MFA_TOKEN_TTL_S * 1000,
      now: deps.now(),
    }),
  );
  return mfaToken;
}

/** Which factor a second step passed with, and the token's `amr` for it (RFC 8176). */
type UsedFactor = MfaType | 'backup_code';
const AMR: Record<UsedFactor, string[]> = {
  totp: ['pwd', 'otp'],
  email: ['pwd', 'otp'],
  sms: ['pwd', 'sms'],
  backup_code: ['pwd', 'otp'],
};

/**
 * The code as a TOTP code of one of the methods, as the email/SMS code sent for this login,
 * or as a backup code; which one it was, or null.
 */
async function useCode(
  deps: Deps,
  userId: string,
  active: MfaMethod[],
  input: { code: string; methodId?: string; challenge: string },
): Promise<{ factor: UsedFactor; methodId: string | null } | null> {
  const key = requireMfaKey(deps.secrets);
  const methods = active.filter((m) => input.methodId === undefined || m.id === input.methodId);
  for (const method of methods) {
    const right =
      method.type === 'totp'
        ? await useTotp(deps, key, method, input.code)
        : await useOtp(deps, method, input.challenge, input.code);
    if (right) return { factor: method.type, methodId: method.id };
  }
  const backup = codes.normaliseBackupCode(input.code);
  if (backup === null || methods.length === 0) return null;
  const hash = await codes.hashBackupCode(backup);
  return (await redeemBackupCode(deps.db, userId, hash, new Date(deps.now())))
    ? { factor: 'backup_code', methodId: null }
    : null;
}

/**
 * Sends the email/SMS code of one of the account's methods for a pending login. The mfa_token
 * must still be answerable; asking for a code costs none of its tries.
 */
export async function sendLoginCode(deps: Deps, input: { mfaToken: string; methodId: string }) {
  requireMfaKey(deps.secrets);
  const userId = codes.mfaTokenOwner(input.mfaToken);
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
    destination: codes.maskDestination(type, method.destination ?? ''),
  };
}

/**
 * An operator (admin or service) switches a user's MFA off, for a user who lost every factor:
 * every session ends first (so nothing is weaker if the rest fails), then the methods and
 * backup codes go with their audit entry in one batch.
 */
export async function resetMfa(
  deps: Deps,
  actor: { userId: string | null; by: string },
  userId: string,
) {
  const user = await findUserById(deps.db, userId);
  if (!user) throw new ApiError('NOT_FOUND', 'User not found');
  await orUnavailable('Session store', () =>
    sessionStore(deps.sessions, userId).resetMfa(deps.now()),
  );
  const entry = deps.events.entry({
    type: 'mfa_reset',
    user_id: userId,
    actor_id: actor.userId,
    metadata: { by: actor.by },
  });
  await deleteAllMfa(deps.db, userId, entry);
}

/**
 * The second step of login: a TOTP, email/SMS or backup code with the mfa_token → the token
 * pair. The try is counted in the SessionStore first (after MFA_MAX_ATTEMPTS the token is dead,
 * even for the right code), then toward the account lockout; the first right code uses it up.
 */
export async function completeMfaLogin(
  deps: Deps,
  input: { mfaToken: string; code: string; methodId?: string },
) {
  requireMfaKey(deps.secrets);
  requireSigningKeys(deps.secrets);
  const userId = codes.mfaTokenOwner(input.mfaToken);
  if (!userId) throw deadToken();
  const hash = await sha256(input.mfaToken);
  const store = sessionStore(deps.sessions, userId);
  const now = deps.now();
  const tried = await orUnavailable('Session store', async (): Promise<AttemptOutcome> =>
    store.attemptChallenge(hash, MFA_MAX_ATTEMPTS, now),
  );
  if (!tried.ok) throw deadToken();
  const rolesReadAt = deps.now();
  // The active methods come with the user (one D1 batch), not after the lockout.
  const found = await findSignInSubject(deps.db, { id: userId });
  if (!found) throw deadToken();
  const { user, roles, methods: active } = found;
  const attempt = await reserveLoginAttempt(deps, user.email);
  const used = await useCode(deps, userId, active, { ...input, challenge: hash });
  if (!used || !(await store.consumeChallenge(hash))) {
    deps.events.emit({
      type: 'mfa_failed',
      user_id: userId,
      metadata: { stage: 'login', reason: used ? 'token_used' : 'wrong_code' },
    });
    if (attempt.lockedNow)
      deps.events.emit({
        type: 'account_locked',
        user_id: userId,
        metadata: { email: user.email },
      });
    throw used ? deadToken() : wrongCode();
  }
  if (used.factor === 'backup_code')
    deps.events.emit({ type: 'backup_code_used', user_id: userId });
  if (used.methodId && used.factor !== 'totp') {
    const methodId = used.methodId;
    deps.defer(
      markMfaMethodUsed(deps.db, methodId, new Date(now)).catch((err: unknown) =>
        deps.logger.error('MFA method last use not recorded', { error: err }),
      ),
    );
  }
  const amr = AMR[used.factor];
  const subject = { id: user.id, email: user.email, roles, rolesReadAt, amr };
  const [{ tokens, sessionId }] = await Promise.all([
    startSession(deps, subject, tried.verifiedAt),
    attempt.clear(),
  ]);
  const metadata = { session_id: sessionId };
  deps.events.emit({
    type: 'mfa_succeeded',
    user_id: userId,
    metadata: { ...metadata, method: used.factor },
  });
  deps.events.emit({ type: 'login_succeeded', user_id: userId, metadata });
  return tokens;
}
