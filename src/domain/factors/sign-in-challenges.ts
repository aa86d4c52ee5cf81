import { errors, jwtVerify, SignJWT } from 'jose';
import { base64url, hmacSha256 } from '../../lib/crypto';
import { requireChallengeKey } from '../../lib/secrets';
import { claimOnce } from '../challenges';
import type { Deps } from '../deps';

/**
 * A passkey sign-in's challenge travels in its `challenge_id`: a JWT (HS256, a key derived from
 * the pepper) holding the challenge, a tag of the account it was opened for (an HMAC of its id,
 * so the answer to an email never shows the account's id; null: discoverable) and its expiry,
 * so asking for options stores nothing. The first verification claims its `jti` in the
 * ChallengeStore until it expires, so a replay, or the loser of two parallel verifications,
 * finds it used. Storing each challenge cost a Durable Object write per options request, a fifth
 * of a passkey sign-in's CPU (bench: passkey_sign_in).
 */
const TYP = 'passkey-challenge+jwt';
const PURPOSE = 'passkey-sign-in';

export interface OpenChallenge {
  challenge: string;
  /** The tag of the account whose passkeys were listed (accountTag), null when discoverable. */
  account: string | null;
}

type ChallengeDeps = Pick<Deps, 'secrets' | 'challenges' | 'now'>;

/** What a challenge opened for `userId`'s passkeys says about its account. */
export const accountTag = (deps: Pick<Deps, 'secrets'>, userId: string) =>
  hmacSha256(requireChallengeKey(deps.secrets), `account:${userId}`);

/** The `challenge_id` of a new sign-in, valid `ttlMs`. */
export async function sealChallenge(
  deps: ChallengeDeps,
  open: { challenge: string; userId: string | null },
  ttlMs: number,
) {
  const now = deps.now();
  const account = open.userId === null ? null : await accountTag(deps, open.userId);
  return new SignJWT({ chl: open.challenge, acc: account })
    .setProtectedHeader({ alg: 'HS256', typ: TYP })
    .setJti(base64url.encode(crypto.getRandomValues(new Uint8Array(16))))
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor((now + ttlMs) / 1000))
    .sign(requireChallengeKey(deps.secrets));
}

/**
 * The challenge behind `challengeId`, used up by this call; null when it is forged, expired or
 * already used.
 */
export async function takeSealedChallenge(
  deps: ChallengeDeps,
  challengeId: string,
): Promise<OpenChallenge | null> {
  const now = deps.now();
  let payload;
  try {
    ({ payload } = await jwtVerify(challengeId, requireChallengeKey(deps.secrets), {
      algorithms: ['HS256'],
      typ: TYP,
      currentDate: new Date(now),
      requiredClaims: ['jti', 'exp'],
    }));
  } catch (err) {
    if (err instanceof errors.JOSEError) return null;
    throw err;
  }
  const { chl, acc, jti, exp } = payload;
  if (typeof chl !== 'string' || !(typeof acc === 'string' || acc === null)) return null;
  if (!(await claimOnce(deps, PURPOSE, jti!, exp! * 1000))) return null;
  return { challenge: chl, account: acc };
}
