import { findSignInSubject, upgradePasswordHash } from '../../db/queries/users';
import { ApiError } from '../../lib/errors';
import {
  burnDummyHash,
  hashPassword,
  verifyPassword,
  type PasswordHasher,
} from '../../lib/password';
import { requireHasher, requireSigningKeys } from '../../lib/secrets';
import type { Deps } from '../deps';
import { methodChoices } from '../factors/enrolment';
import { reserveLoginAttempt } from '../limits';
import { finishSignIn, type SignInResult } from './finish';
import { openChallenge } from './second-factor';

const invalidCredentials = () => new ApiError('INVALID_CREDENTIALS', 'Invalid email or password');

/**
 * The stored hash's parameters are outdated: upgrade it after answering, unless the password
 * changed meanwhile.
 */
function scheduleRehash(
  deps: Pick<Deps, 'db' | 'defer' | 'logger' | 'now'>,
  hasher: PasswordHasher,
  user: { id: string; passwordHash: string },
  password: string,
) {
  deps.defer(
    hashPassword(hasher, password)
      .then((hash) =>
        upgradePasswordHash(deps.db, user.id, user.passwordHash, hash, new Date(deps.now())),
      )
      .catch((err: unknown) => deps.logger.error('password rehash failed', { error: err })),
  );
}

/**
 * Email and password. The lockout slot is reserved before the hash is checked (race-free,
 * security.md "Brute force"), an unknown email spends a dummy hash (no timing oracle), and a
 * suspended account is told so only after the right password.
 */
export async function signInWithPassword(
  deps: Deps,
  credentials: { email: string; password: string },
): Promise<SignInResult> {
  const { email, password } = credentials;
  const hasher = requireHasher(deps.secrets);
  requireSigningKeys(deps.secrets);
  // Credential epoch (security.md): taken before the hash is read, so if a reset or password
  // change ends every session after this moment, the session this login would start is refused.
  const verifiedAt = deps.now();
  // Sequential binding calls (pinned by the call-path test in test/): the user read (with its
  // roles and second factors) starts at once; the lockout reservation waits only for the per-IP
  // verdict, so that a refused address cannot lock accounts, and runs beside the read; then the
  // hash, then the session ‖ the reset.
  const reading = findSignInSubject(deps.db, { email });
  reading.catch(() => undefined); // awaited below, unless the per-IP verdict refuses first
  await deps.admitted();
  const [attempt, found] = await Promise.all([reserveLoginAttempt(deps, email), reading]);
  const verdict = found
    ? await verifyPassword(hasher, password, found.user.passwordHash)
    : await burnDummyHash(hasher, password);
  if (!found || !verdict?.ok) {
    const userId = found?.user.id ?? null;
    deps.events.emit({ type: 'login_failed', user_id: userId, metadata: found ? {} : { email } });
    if (attempt.lockedNow)
      deps.events.emit({ type: 'account_locked', user_id: userId, metadata: { email } });
    throw invalidCredentials();
  }
  const { user, roles } = found;
  if (user.status === 'suspended') {
    await attempt.clear();
    throw new ApiError('ACCOUNT_SUSPENDED', 'This account is suspended');
  }
  if (verdict.needsRehash) scheduleRehash(deps, hasher, user, password);
  const methods = methodChoices(found.methods);
  if (methods.length > 0) {
    // No session yet. The password was right, so its slot is given back (security.md: only
    // wrong answers count, and restarting a slow sign-in must not lock anyone out); the
    // failures before it stay, so signing in again earns an attacker who holds the password no
    // fresh code guesses.
    const [mfaToken] = await Promise.all([
      openChallenge(deps, user.id, { verifiedAt, amr: ['pwd'] }),
      attempt.release(),
    ]);
    return { kind: 'challenge', mfaToken, methods };
  }
  const subject = { id: user.id, email: user.email, roles, rolesReadAt: verifiedAt };
  const signedIn = await finishSignIn(deps, { subject, attempt, start: { verifiedAt } });
  return { kind: 'tokens', ...signedIn };
}
