import {
  advanceTotpStep,
  confirmMfaMethod,
  deleteMfaMethod,
  findMfaMethod,
  insertMfaMethod,
  listMfaMethods,
  redeemBackupCode,
  replaceBackupCodes,
} from '../db/queries/mfa';
import { findUserById, findUserWithRoles } from '../db/queries/users';
import type { MfaMethod } from '../db/schema';
import type { AttemptOutcome } from '../durable-objects/session-store/logic';
import { sessionStore } from '../durable-objects/session-store/object';
import { sha256 } from '../lib/crypto';
import { ApiError, orUnavailable } from '../lib/errors';
import { requireMfaKey, requireSigningKeys } from '../lib/secrets';
import { assertRecentlyAuthenticated } from './credentials';
import type { Deps } from './deps';
import { reserveLoginAttempt } from './limits';
import * as codes from './mfa-codes';
import { startSession } from './sessions';

/**
 * Second factors (security.md "MFA"): TOTP enrolment, backup codes, and the second step of
 * login. A login that needs a factor gets only an `mfa_token`, held (hashed) in the user's
 * SessionStore, which counts every try and is used up by the first right code.
 */
export const MFA_TOKEN_TTL_S = 300;
export const MFA_MAX_ATTEMPTS = 5;

const notFound = () => new ApiError('NOT_FOUND', 'No such MFA method');
const wrongCode = () => new ApiError('INVALID_MFA_CODE', 'The code is wrong, used or expired');
const deadToken = () => new ApiError('INVALID_TOKEN', 'The mfa_token is invalid, used or expired');

/** Starts a TOTP enrolment: the method exists, unconfirmed, until a first good code. */
export async function setupTotp(deps: Deps, userId: string) {
  const key = requireMfaKey(deps.secrets);
  const user = await findUserById(deps.db, userId);
  if (!user) throw new ApiError('NOT_FOUND', 'User not found');
  const id = crypto.randomUUID();
  const secret = codes.newTotpSecret();
  const secretEnc = await codes.sealTotpSecret(key, secret, id, userId);
  await insertMfaMethod(deps.db, {
    id,
    userId,
    type: 'totp',
    secretEnc,
    now: new Date(deps.now()),
  });
  return { methodId: id, ...codes.enrolmentOf(secret, user.email) };
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
  if (!(await useTotp(deps, key, method, code))) {
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

/** The user's methods, never a secret. */
export const listMethods = (deps: Pick<Deps, 'db'>, userId: string) =>
  listMfaMethods(deps.db, userId);

/** Removes a method; needs the password (a stolen access token cannot switch MFA off). */
export async function removeMethod(
  deps: Deps,
  caller: { userId: string; sessionId: string },
  methodId: string,
  password: string | undefined,
) {
  const user = await findUserById(deps.db, caller.userId);
  if (!user) throw notFound();
  if (password === undefined) {
    throw new ApiError('INVALID_CREDENTIALS', 'Confirm with your password to remove a method');
  }
  await assertRecentlyAuthenticated(deps, user, caller.sessionId, password);
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
  (await listMfaMethods(deps.db, userId, true)).map((m) => ({ method_id: m.id, type: m.type }));

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

/** The code as a TOTP code of one of the methods, or as a backup code; which one it was. */
async function useCode(deps: Deps, userId: string, code: string, methodId?: string) {
  const key = requireMfaKey(deps.secrets);
  const methods = (await listMfaMethods(deps.db, userId, true)).filter(
    (m) => methodId === undefined || m.id === methodId,
  );
  for (const method of methods) {
    if (await useTotp(deps, key, method, code)) return 'totp' as const;
  }
  const backup = codes.normaliseBackupCode(code);
  if (backup === null || methods.length === 0) return null;
  const hash = await codes.hashBackupCode(backup);
  return (await redeemBackupCode(deps.db, userId, hash, new Date(deps.now())))
    ? ('backup_code' as const)
    : null;
}

/**
 * The second step of login: a TOTP or backup code with the mfa_token → the token pair. The
 * try is counted in the SessionStore first (after MFA_MAX_ATTEMPTS the token is dead, even for
 * the right code), then toward the account lockout; the first right code uses the token up.
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
  const found = await findUserWithRoles(deps.db, { id: userId });
  if (!found) throw deadToken();
  const { user, roles } = found;
  const attempt = await reserveLoginAttempt(deps, user.email);
  const used = await useCode(deps, userId, input.code, input.methodId);
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
  if (used === 'backup_code') deps.events.emit({ type: 'backup_code_used', user_id: userId });
  const subject = { id: user.id, email: user.email, roles, rolesReadAt, amr: ['pwd', 'otp'] };
  const [{ tokens, sessionId }] = await Promise.all([
    startSession(deps, subject, tried.verifiedAt),
    attempt.clear(),
  ]);
  const metadata = { session_id: sessionId };
  deps.events.emit({
    type: 'mfa_succeeded',
    user_id: userId,
    metadata: { ...metadata, method: used },
  });
  deps.events.emit({ type: 'login_succeeded', user_id: userId, metadata });
  return tokens;
}
