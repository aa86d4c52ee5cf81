import {
  confirmMfaMethod,
  deleteAllMfa,
  deleteMfaMethod,
  findMfaMethod,
  insertMfaMethod,
  listMfaMethods,
} from '../../db/queries/mfa';
import { findUserById } from '../../db/queries/users';
import type { MfaMethod } from '../../db/schema';
import { sessionStore } from '../../durable-objects/session-store/object';
import { ApiError, orUnavailable } from '../../lib/errors';
import { requireMfaKeys } from '../../lib/secrets';
import { assertRecentlyAuthenticated } from '../credentials';
import type { Deps } from '../deps';
import { refuseImpersonation } from '../impersonation';
import { issueBackupCodes } from './backup-codes';
import { maskDestination, sendCode, useOtp } from './one-time-codes';
import { enrolmentOf, newTotpSecret, sealTotpSecret, useTotp } from './totp';

/**
 * A user's second factors (security.md "MFA"): enrolment, the list, removal, backup codes, and
 * an operator's reset. Adding, removing or regenerating is as sensitive as signing in: whoever
 * does it decides who can sign in, so each needs more than an access token.
 */
/** The caller's session; `claims.act` marks an impersonation (refused here, impersonation.ts). */
type SessionCaller = { userId: string; sessionId: string; claims: { act?: { sub: string } } };

const notFound = () => new ApiError('NOT_FOUND', 'No such MFA method');

type SetupInput =
  | { type: 'totp'; password?: string }
  | { type: 'email'; password?: string }
  | { type: 'sms'; phone: string; password?: string };

type SetupResult =
  | { kind: 'totp'; methodId: string; secret: string; uri: string; qrSvg: string }
  | { kind: 'code'; methodId: string; type: 'email' | 'sms'; destination: string };

/**
 * Starts an enrolment: the method exists, pending, until a first good code. Needs the password
 * or a sign-in in the last few minutes.
 */
export async function setupMethod(
  deps: Deps,
  caller: SessionCaller,
  input: SetupInput,
): Promise<SetupResult> {
  refuseImpersonation(caller);
  const keys = requireMfaKeys(deps.secrets);
  const user = await findUserById(deps.db, caller.userId);
  if (!user) throw new ApiError('NOT_FOUND', 'User not found');
  await assertRecentlyAuthenticated(deps, user, caller.sessionId, input.password);
  const id = crypto.randomUUID();
  const now = new Date(deps.now());
  if (input.type === 'totp') {
    const secret = newTotpSecret();
    const secretEnc = await sealTotpSecret(keys, secret, id, user.id);
    await insertMfaMethod(deps.db, { id, userId: user.id, type: 'totp', secretEnc, now });
    return { kind: 'totp', methodId: id, ...enrolmentOf(secret, user.email) };
  }
  const destination = input.type === 'email' ? user.email : input.phone;
  const method = { id, userId: user.id, type: input.type, destination };
  await insertMfaMethod(deps.db, { ...method, now });
  await sendCode(deps, method, '', 'enrolment');
  const masked = maskDestination(input.type, destination);
  return { kind: 'code', methodId: id, type: input.type, destination: masked };
}

/**
 * Confirms an enrolment with its first good code (that step counts as used). The first active
 * method of the account comes with 10 backup codes, shown this once, and ends the account's
 * other sessions: from now on a sign-in needs the factor, and a session that was started
 * without it (perhaps by whoever else knew the password) must not outlive that.
 */
export async function confirmMethod(
  deps: Deps,
  caller: SessionCaller,
  methodId: string,
  code: string,
) {
  refuseImpersonation(caller);
  const { userId } = caller;
  const keys = requireMfaKeys(deps.secrets);
  const method = await findMfaMethod(deps.db, userId, methodId);
  if (!method) throw notFound();
  if (method.confirmedAt) throw new ApiError('CONFLICT', 'This method is already active');
  const right =
    method.type === 'totp'
      ? await useTotp(deps, keys, method, code)
      : await useOtp(deps, method, '', code);
  if (!right) {
    deps.events.emit({
      type: 'mfa_failed',
      user_id: userId,
      metadata: { stage: 'enrolment', reason: 'wrong_code' },
    });
    throw new ApiError('INVALID_MFA_CODE', 'The code is wrong, used or expired');
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
  if (hadActive) return { backupCodes: null };
  await orUnavailable('Session store', () =>
    sessionStore(deps.sessions, userId).revokeAll({
      exceptSessionId: caller.sessionId,
      now: deps.now(),
    }),
  );
  return { backupCodes: await issueBackupCodes(deps, userId) };
}

/** The user's methods, never a secret; destinations masked. */
export const listMethods = async (deps: Pick<Deps, 'db'>, userId: string) =>
  (await listMfaMethods(deps.db, userId)).map(({ secretEnc: _, destination, ...m }) => ({
    ...m,
    destination: destination && m.type !== 'totp' ? maskDestination(m.type, destination) : null,
  }));

/** Confirmed methods as a login challenge names them. */
export const methodChoices = (methods: Pick<MfaMethod, 'id' | 'type'>[]) =>
  methods.map((m) => ({ method_id: m.id, type: m.type }));

/** What /auth/me says about second factors. */
export async function mfaSummary(deps: Pick<Deps, 'db'>, userId: string) {
  const methods = methodChoices(await listMfaMethods(deps.db, userId, true));
  return { enabled: methods.length > 0, methods };
}

/**
 * The re-authentication of removing a factor or regenerating the backup codes: the password, or
 * a session signed in with a second factor in the last few minutes (a stolen access token of a
 * password-only session can neither switch MFA off nor void the owner's backup codes).
 */
async function reauthenticated(deps: Deps, caller: SessionCaller, password: string | undefined) {
  refuseImpersonation(caller);
  const user = await findUserById(deps.db, caller.userId);
  if (!user) throw new ApiError('NOT_FOUND', 'User not found');
  await assertRecentlyAuthenticated(deps, user, caller.sessionId, password, 'second_factor');
  return user;
}

/** Removes a method (re-authenticated); the last active one takes the backup codes with it. */
export async function removeMethod(
  deps: Deps,
  caller: SessionCaller,
  methodId: string,
  password: string | undefined,
) {
  const user = await reauthenticated(deps, caller, password);
  const entry = deps.events.entry({
    type: 'mfa_removed',
    user_id: user.id,
    metadata: { method_id: methodId },
  });
  if (!(await deleteMfaMethod(deps.db, user.id, methodId, entry))) throw notFound();
}

/**
 * A new set of 10 backup codes (re-authenticated, as removal is); the old set stops working at
 * once. 409 without MFA on.
 */
export async function regenerateBackupCodes(
  deps: Deps,
  caller: SessionCaller,
  password: string | undefined,
) {
  const user = await reauthenticated(deps, caller, password);
  if ((await listMfaMethods(deps.db, user.id, true)).length === 0) {
    throw new ApiError('CONFLICT', 'Multi-factor authentication is not enabled');
  }
  return issueBackupCodes(deps, user.id);
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
