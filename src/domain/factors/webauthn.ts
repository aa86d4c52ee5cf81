import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { DEVELOPMENT_ENVIRONMENTS, type ReadyConfig } from '../../config';
import type { Passkey } from '../../db/schema';
import { base64url } from '../../lib/crypto';
import { ApiError } from '../../lib/errors';
import { keepChallenge, takeChallenge } from '../challenges';
import { sealChallenge } from './sign-in-challenges';
import type { Deps } from '../deps';

/**
 * The WebAuthn ceremonies (security.md "Sign-in methods"), on @simplewebauthn/server, for
 * registration (factors/passkeys.ts) and sign-in (sign-in/passkey.ts). Challenges are single
 * use and live CHALLENGE_TTL_MS in a ChallengeStore; origin and RP ID are checked against the
 * configured lists; a counter that goes backwards is refused by the library's check.
 */
const CHALLENGE_TTL_MS = 5 * 60_000;

export const rejected = (detail = 'The passkey could not be verified') =>
  new ApiError('PASSKEY_REJECTED', detail);

interface RelyingParty {
  id: string;
  name: string;
  origins: string[];
}

/**
 * The relying party of this deployment. Development defaults to `localhost` with the dev
 * origins (the worker's and the app's); elsewhere passkeys are off (503) until configured.
 */
function relyingParty(config: ReadyConfig): RelyingParty {
  const development = (DEVELOPMENT_ENVIRONMENTS as readonly string[]).includes(config.ENVIRONMENT);
  const name = config.WEBAUTHN_RP_NAME;
  if (config.WEBAUTHN_RP_ID && config.WEBAUTHN_ORIGINS.length > 0)
    return { id: config.WEBAUTHN_RP_ID.toLowerCase(), name, origins: config.WEBAUTHN_ORIGINS };
  if (!development)
    throw new ApiError('DEPENDENCY_UNAVAILABLE', 'Passkeys are not configured (WEBAUTHN_RP_ID)');
  const origins = [config.JWT_ISSUER, config.APP_URL]
    .filter((u) => URL.canParse(u))
    .map((u) => new URL(u).origin);
  return { id: config.WEBAUTHN_RP_ID || 'localhost', name, origins };
}

interface Stored {
  challenge: string;
  /** Who asked, when that is known (registration; a sign-in started with an email). */
  userId: string | null;
}

// A user's open registration (a new request replaces it); sign-ins: sign-in-challenges.ts.
const REGISTRATION = 'passkey-register';

type Descriptor = { credentialId: string; transports: string[] };
const descriptorsOf = (keys: Descriptor[]) =>
  keys.map((k) => ({
    id: k.credentialId,
    transports: k.transports as AuthenticatorTransport[],
  }));

/**
 * Creation options for a new passkey of `user`: a discoverable credential (resident key
 * required), user verification preferred, the account's passkeys excluded. The challenge waits
 * in the user's registration slot; a new request replaces it.
 */
export async function registrationOptions(
  deps: Deps,
  user: { id: string; email: string },
  existing: Descriptor[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const rp = relyingParty(deps.config);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userID: new Uint8Array(new TextEncoder().encode(user.id)),
    attestationType: 'none',
    excludeCredentials: descriptorsOf(existing),
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    timeout: CHALLENGE_TTL_MS,
  });
  const open: Stored = { challenge: options.challenge, userId: user.id };
  await keepChallenge(deps, REGISTRATION, user.id, open, CHALLENGE_TTL_MS);
  return options;
}

/** A new passkey as verified from an attestation, ready to store. */
export type NewCredential = Pick<
  Passkey,
  'credentialId' | 'publicKey' | 'counter' | 'transports' | 'backedUp' | 'deviceType'
>;

/** Checks a registration response against the user's open challenge (used up either way). */
export async function verifyRegistration(
  deps: Deps,
  userId: string,
  response: RegistrationResponseJSON,
): Promise<NewCredential> {
  const rp = relyingParty(deps.config);
  const stored = await takeChallenge<Stored>(deps, REGISTRATION, userId);
  if (!stored) throw rejected('No open passkey registration: ask for new options');
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: stored.challenge,
    expectedOrigin: rp.origins,
    expectedRPID: rp.id,
    requireUserVerification: false,
  }).catch(() => null);
  if (!verification?.verified) throw rejected();
  const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
  return {
    credentialId: credential.id,
    publicKey: base64url.encode(credential.publicKey),
    counter: credential.counter,
    transports: credential.transports ?? response.response.transports ?? [],
    backedUp: credentialBackedUp,
    deviceType: credentialDeviceType,
  };
}

/**
 * Request options for a sign-in, with the challenge sealed in its `challenge_id`. Without `userId` (no email, or an unknown one) allowCredentials is empty: a
 * discoverable credential picks the account (conditional UI).
 */
export async function authenticationOptions(
  deps: Deps,
  userId: string | null,
  keys: Descriptor[],
): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  const rp = relyingParty(deps.config);
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: descriptorsOf(keys),
    userVerification: 'preferred',
    timeout: CHALLENGE_TTL_MS,
  });
  const open = { challenge: options.challenge, userId };
  const challengeId = await sealChallenge(deps, open, CHALLENGE_TTL_MS);
  return { challengeId, options };
}

/**
 * Checks an assertion of a stored passkey against a challenge already taken. Null when it
 * fails: wrong origin, RP ID, challenge or signature, or a counter that did not move forward.
 */
export async function verifyAssertion(
  deps: Deps,
  passkey: Passkey,
  challenge: string,
  response: AuthenticationResponseJSON,
) {
  const rp = relyingParty(deps.config);
  const verification = await verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: rp.origins,
    expectedRPID: rp.id,
    credential: {
      id: passkey.credentialId,
      publicKey: new Uint8Array(base64url.decode(passkey.publicKey)),
      counter: passkey.counter,
      transports: passkey.transports,
    },
    requireUserVerification: false,
  }).catch(() => null);
  if (!verification?.verified) return null;
  const info = verification.authenticationInfo;
  return {
    newCounter: info.newCounter,
    userVerified: info.userVerified,
    backedUp: info.credentialBackedUp,
  };
}
