import type {
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import {
  deletePasskey,
  insertPasskey,
  listPasskeys,
  MAX_PASSKEYS,
  passkeyDescriptors,
  renamePasskey,
} from '../../db/queries/passkeys';
import { uniqueViolation } from '../../db/queries/unique-violation';
import { findUserById } from '../../db/queries/users';
import type { Passkey } from '../../db/schema';
import { ApiError } from '../../lib/errors';
import { assertRecentlyAuthenticated } from '../credentials';
import type { Deps } from '../deps';
import { refuseImpersonation } from '../impersonation';
import { registrationOptions, verifyRegistration } from './webauthn';
import { NO_PASSWORD_HASH } from '../../lib/password';

/**
 * A user's passkeys (api.md "Passkeys"): adding one is as sensitive as adding a second factor
 * (the password, or a sign-in in the last 5 minutes), removing one as removing a factor, and
 * the last way into an account is never removed.
 */
/** The caller's session; `claims.act` marks an impersonation (refused here, impersonation.ts). */
type SessionCaller = { userId: string; sessionId: string; claims: { act?: { sub: string } } };

const notFound = () => new ApiError('NOT_FOUND', 'No such passkey');
const tooMany = () =>
  new ApiError('CONFLICT', `An account holds at most ${MAX_PASSKEYS} passkeys: remove one first`);

async function userOf(deps: Deps, userId: string) {
  const user = await findUserById(deps.db, userId);
  if (!user) throw new ApiError('NOT_FOUND', 'User not found');
  return user;
}

/** Creation options for a new passkey (re-authenticated, as POST /mfa/setup is). */
export async function startRegistration(
  deps: Deps,
  caller: SessionCaller,
  password: string | undefined,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  refuseImpersonation(caller);
  const user = await userOf(deps, caller.userId);
  await assertRecentlyAuthenticated(deps, user, caller.sessionId, password);
  const existing = await passkeyDescriptors(deps.db, user.id);
  if (existing.length >= MAX_PASSKEYS) throw tooMany();
  return registrationOptions(deps, user, existing);
}

/** Verifies the authenticator's answer to the open registration and stores the passkey. */
export async function finishRegistration(
  deps: Deps,
  caller: SessionCaller,
  input: { response: RegistrationResponseJSON; name?: string },
): Promise<Passkey> {
  refuseImpersonation(caller);
  const credential = await verifyRegistration(deps, caller.userId, input.response);
  const now = new Date(deps.now());
  const passkey: Passkey = {
    ...credential,
    id: crypto.randomUUID(),
    userId: caller.userId,
    name: input.name ?? defaultName(credential.deviceType, now),
    createdAt: now,
    lastUsedAt: null,
  };
  const entry = deps.events.entry({
    type: 'passkey_added',
    user_id: caller.userId,
    metadata: { passkey_id: passkey.id },
  });
  let inserted: boolean;
  try {
    inserted = await insertPasskey(deps.db, passkey, entry);
  } catch (err) {
    if (uniqueViolation(err)) throw new ApiError('CONFLICT', 'This passkey is already registered');
    throw err;
  }
  if (!inserted) throw tooMany();
  return passkey;
}

const defaultName = (deviceType: string, at: Date) =>
  `${deviceType === 'multiDevice' ? 'Synced passkey' : 'Security key'} (${at.toISOString().slice(0, 10)})`;

export const listUserPasskeys = (deps: Deps, userId: string) => listPasskeys(deps.db, userId);

export async function renameUserPasskey(deps: Deps, userId: string, id: string, name: string) {
  if (!(await renamePasskey(deps.db, userId, id, name))) throw notFound();
}

/**
 * Removes a passkey: the password, or a sign-in in the last 5 minutes (any: for an account
 * without a password a passkey sign-in is its only proof). 409 LAST_SIGN_IN_METHOD when it is
 * the only way into an account without a password.
 */
export async function removeUserPasskey(
  deps: Deps,
  caller: SessionCaller,
  id: string,
  password: string | undefined,
) {
  refuseImpersonation(caller);
  const user = await userOf(deps, caller.userId);
  await assertRecentlyAuthenticated(deps, user, caller.sessionId, password);
  const entry = deps.events.entry({
    type: 'passkey_removed',
    user_id: user.id,
    metadata: { passkey_id: id },
  });
  const outcome = await deletePasskey(deps.db, user.id, id, entry, NO_PASSWORD_HASH);
  if (outcome === 'gone') throw notFound();
  if (outcome === 'last')
    throw new ApiError(
      'LAST_SIGN_IN_METHOD',
      'This passkey is the only way into the account: set a password or add another first',
    );
}
