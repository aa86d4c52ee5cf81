import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import {
  findPasskeyByCredentialId,
  passkeyDescriptors,
  recordPasskeyUse,
} from '../../db/queries/passkeys';
import { findSignInSubject, findUserByEmail } from '../../db/queries/users';
import { base64url } from '../../lib/crypto';
import { ApiError } from '../../lib/errors';
import { requireSigningKeys } from '../../lib/secrets';
import type { Deps } from '../deps';
import { methodChoices } from '../factors/enrolment';
import { accountTag, takeSealedChallenge } from '../factors/sign-in-challenges';
import { authenticationOptions, rejected, verifyAssertion } from '../factors/webauthn';
import { reserveLoginAttempt } from '../limits';
import { finishSignIn, type SignInResult } from './finish';
import { openChallenge } from './second-factor';

export { MFA_TOKEN_TTL_S } from './second-factor';

/**
 * Signing in with a passkey (security.md "Sign-in methods"). The options come first, with a
 * challenge sealed in its `challenge_id` (factors/sign-in-challenges.ts); the assertion then names its credential, which names
 * the account. With user verification the passkey is two factors by itself (amr `hwk` +
 * `user`); without it, the account's second step follows as after a password.
 */
/** The user id a user handle carries (registration sets it to the id's UTF-8 bytes). */
function userHandleOf(handle: string): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(
      base64url.decode(handle),
    );
  } catch {
    return null;
  }
}

/**
 * Options for a sign-in. With the email of an account that has passkeys, they are listed in
 * allowCredentials; otherwise (no email, an unknown one, none registered) the list is empty and
 * a discoverable credential chooses the account, so the answer says nothing about the address.
 */
export async function passkeySignInOptions(
  deps: Deps,
  input: { email?: string },
): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  await deps.admitted();
  const user = input.email ? await findUserByEmail(deps.db, input.email) : null;
  const keys = user ? await passkeyDescriptors(deps.db, user.id) : [];
  return authenticationOptions(deps, keys.length > 0 && user ? user.id : null, keys);
}

/**
 * The assertion → a session, or the second step. Round trips: the challenge taken ‖ the
 * credential read ‖ the per-IP verdict → the account read → the lockout reservation → the
 * signature check (CPU) → the counter update → the session. An unknown credential is refused
 * without touching any account; every failure of a known one (expired or replayed challenge,
 * wrong origin or RP ID, bad signature, a counter that went backwards) keeps its lockout slot,
 * as a wrong password does.
 */
export async function signInWithPasskey(
  deps: Deps,
  input: { challengeId: string; response: AuthenticationResponseJSON },
): Promise<SignInResult> {
  requireSigningKeys(deps.secrets);
  const verifiedAt = deps.now();
  const [stored, passkey] = await Promise.all([
    takeSealedChallenge(deps, input.challengeId),
    findPasskeyByCredentialId(deps.db, input.response.id),
    deps.admitted(),
  ]);
  const found = passkey ? await findSignInSubject(deps.db, { id: passkey.userId }) : null;
  if (!passkey || !found) {
    deps.events.emit({
      type: 'login_failed',
      user_id: null,
      metadata: { reason: 'passkey_rejected' },
    });
    throw rejected();
  }
  const { user, roles } = found;
  const attempt = await reserveLoginAttempt(deps, user.email);
  const refuse = () => {
    const metadata = { email: user.email, reason: 'passkey_rejected' as const };
    deps.events.emit({ type: 'login_failed', user_id: user.id, metadata });
    if (attempt.lockedNow)
      deps.events.emit({
        type: 'account_locked',
        user_id: user.id,
        metadata: { email: user.email },
      });
    return rejected();
  };
  // A challenge opened for one account's passkeys is answered by one of them only, and the
  // authenticator's user handle (set at registration) must name the credential's account.
  if (!stored || (stored.account !== null && stored.account !== (await accountTag(deps, user.id))))
    throw refuse();
  const handle = input.response.response.userHandle;
  if (handle !== undefined && userHandleOf(handle) !== user.id) throw refuse();
  const verdict = await verifyAssertion(deps, passkey, stored.challenge, input.response);
  if (!verdict) throw refuse();
  const used = await recordPasskeyUse(deps.db, {
    id: passkey.id,
    counter: passkey.counter,
    newCounter: verdict.newCounter,
    backedUp: verdict.backedUp,
    now: new Date(verifiedAt),
  });
  // Another assertion of this credential moved the counter meanwhile: one of the two is a clone.
  if (!used) throw refuse();
  if (user.status === 'suspended') {
    await attempt.clear();
    throw new ApiError('ACCOUNT_SUSPENDED', 'This account is suspended');
  }
  const methods = methodChoices(found.methods);
  if (!verdict.userVerified && methods.length > 0) {
    // Possession alone is one factor: the account's second step follows, as after a password.
    const [mfaToken] = await Promise.all([
      openChallenge(deps, user.id, { verifiedAt, amr: ['hwk'] }),
      attempt.release(),
    ]);
    return { kind: 'challenge', mfaToken, methods };
  }
  const amr = verdict.userVerified ? ['hwk', 'user'] : ['hwk'];
  const subject = { id: user.id, email: user.email, roles, rolesReadAt: verifiedAt, amr };
  const signedIn = await finishSignIn(deps, { subject, attempt, start: { verifiedAt } });
  return { kind: 'tokens', ...signedIn };
}
