import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { z } from 'zod';

/**
 * The keys that sign and verify access tokens (security.md "Tokens": keys rotate, old public
 * keys stay in the JWKS until their last token expires).
 *
 * Configured either as one key, JWT_PRIVATE_KEY (a private JWK; JWT_PREVIOUS_PUBLIC_KEYS may list
 * public JWKs the operator retired by hand), or as a rotation set, JWT_SIGNING_KEYS: a JSON list
 * of JWKs, each with an `active_from` time, which wins over JWT_PRIVATE_KEY when it contains
 * that key (the moment a deployment switches from one to the other). A key's state follows
 * from the times alone, so a rotation is one `wrangler secret put` with no second step:
 *   - next: `active_from` is still ahead. Published in the JWKS (verifiers fetch it before it
 *     signs anything), not signing yet;
 *   - current: the newest key whose `active_from` has passed. It signs;
 *   - retired: a newer key has become current. Still published and accepted until every token
 *     it signed has expired (the successor's `active_from` + the access-token lifetime + the
 *     clock leeway), then dropped: a token it signed is refused from then on, even one whose own
 *     `exp` claims longer. A retired key needs no private part.
 * `npm run keys:rotate` writes the next set (scripts/signing-key-rotation.mjs).
 */
type SigningAlg = 'EdDSA' | 'ES256' | 'RS256';

/** How long verifiers may cache the JWKS (its Cache-Control). */
export const JWKS_MAX_AGE_S = 300;
/** Leeway for clock skew when checking `exp` (security.md: at most 30 s). */
export const CLOCK_TOLERANCE_S = 30;

export interface KeyEntry {
  kid: string;
  alg: SigningAlg;
  verifyKey: CryptoKey;
  privateKey?: CryptoKey;
  /** The public JWK, as published. */
  jwk: JWK;
  /** When it starts signing (ms); -Infinity for keys listed without a time. */
  activeFrom: number;
  /** Retired by hand (JWT_PREVIOUS_PUBLIC_KEYS): published until the operator drops it. */
  pinned: boolean;
}

export interface SigningKeys {
  /** Oldest activation first. */
  entries: KeyEntry[];
  /** How long after its successor takes over a retired key stays published and accepted. */
  graceMs: number;
}

export type KeyStatus = 'ok' | 'missing' | 'invalid' | 'weak';

// Only asymmetric curves with ≥128-bit security: symmetric (`oct`) or RSA keys are refused as
// weak, since a verifier holding an HMAC secret could mint tokens (RFC 8725 §3.1-3.2).
const PublicJwkSchema = z.union([
  z.looseObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(43) }),
  z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string() }),
]);

/**
 * The identity provider's RS256 keys (JWT_RSA_SIGNING_KEYS): OpenID Connect Discovery requires
 * RS256 for ID tokens, so these sign ID tokens only, never access tokens. 2048-bit modulus at
 * least (342 base64url characters).
 */
const RsaJwkSchema = z.looseObject({
  kty: z.literal('RSA'),
  n: z.string().min(342),
  e: z.string().min(1),
});

const RotationEntrySchema = z.looseObject({
  kid: z.string().min(1),
  kty: z.string(),
  active_from: z.iso.datetime({ offset: true }).optional(),
});

const algOf = (jwk: { kty: string }): SigningAlg =>
  jwk.kty === 'OKP' ? 'EdDSA' : jwk.kty === 'RSA' ? 'RS256' : 'ES256';
// An RSA private JWK holds its CRT parameters besides `d`: none of them is ever published.
const toPublic = ({
  d: _d,
  p: _p,
  q: _q,
  dp: _dp,
  dq: _dq,
  qi: _qi,
  oth: _oth,
  key_ops: _ops,
  ext: _ext,
  active_from: _from,
  ...pub
}: JWK & { active_from?: unknown }): JWK => pub;

class WeakKey extends Error {}

async function entryFor(
  jwk: JWK & { active_from?: string },
  options: { activeFrom: number; pinned?: boolean; needsPrivate?: boolean; rsa?: boolean },
): Promise<KeyEntry> {
  if (jwk.kty === 'oct' || (jwk.kty === 'RSA') !== (options.rsa ?? false)) throw new WeakKey();
  const parsed = options.rsa ? RsaJwkSchema.parse(jwk) : PublicJwkSchema.parse(jwk);
  const alg = algOf(parsed);
  const pub = toPublic(jwk);
  const kid = jwk.kid ?? (await calculateJwkThumbprint(pub));
  const verifyKey = (await importJWK({ ...pub, alg }, alg)) as CryptoKey;
  const hasPrivate = typeof jwk.d === 'string';
  if (hasPrivate && jwk.d!.length < 43) throw new Error('short private key');
  if (options.needsPrivate && !hasPrivate) throw new Error('a signing key needs its private part');
  const { active_from: _from, ...material } = jwk;
  const privateKey = hasPrivate
    ? ((await importJWK({ ...material, alg }, alg)) as CryptoKey)
    : undefined;
  return {
    kid,
    alg,
    verifyKey,
    ...(privateKey && { privateKey }),
    jwk: { ...pub, kid, alg, use: 'sig' },
    activeFrom: options.activeFrom,
    pinned: options.pinned ?? false,
  };
}

/** JWT_PRIVATE_KEY (+ JWT_PREVIOUS_PUBLIC_KEYS): one current key, hand-retired ones pinned. */
async function singleKey(privateJwk: string, previousPublicJwks: string | undefined) {
  const current = await entryFor(JSON.parse(privateJwk) as JWK, {
    activeFrom: Number.NEGATIVE_INFINITY,
    needsPrivate: true,
  });
  const previous = previousPublicJwks?.trim()
    ? await Promise.all(
        (JSON.parse(previousPublicJwks) as JWK[]).map((jwk) =>
          entryFor(jwk, { activeFrom: Number.NEGATIVE_INFINITY, pinned: true }),
        ),
      )
    : [];
  return [...previous, current];
}

/** JWT_SIGNING_KEYS: the rotation set. The newest key must be able to sign. */
async function rotationSet(json: string, rsa = false) {
  const parsed: unknown = JSON.parse(json);
  // The RSA set may also be one JWK on its own (a key never rotated yet).
  const listed = rsa && !Array.isArray(parsed) ? [parsed] : parsed;
  const list = z.array(RotationEntrySchema).min(1).max(10).parse(listed);
  const entries = await Promise.all(
    list.map((jwk) =>
      entryFor(jwk as JWK & { active_from?: string }, {
        activeFrom: jwk.active_from ? Date.parse(jwk.active_from) : Number.NEGATIVE_INFINITY,
        rsa,
      }),
    ),
  );
  entries.sort((a, b) => a.activeFrom - b.activeFrom);
  if (!entries.at(-1)!.privateKey) throw new Error('the newest key needs its private part');
  if (entries[0]!.activeFrom > Date.now()) throw new Error('no key is active yet');
  if (new Set(entries.map((e) => e.activeFrom)).size !== entries.length) {
    throw new Error('two keys with the same active_from (or none): which one signs?');
  }
  return entries;
}

/** Loads and checks the key material; never throws (a bad key is a status, not a crash). */
export async function loadSigningKeys(input: {
  JWT_SIGNING_KEYS?: string;
  JWT_PRIVATE_KEY?: string;
  JWT_PREVIOUS_PUBLIC_KEYS?: string;
  ACCESS_TOKEN_TTL_SECONDS: number;
}): Promise<{ status: KeyStatus; keys?: SigningKeys }> {
  const set = input.JWT_SIGNING_KEYS?.trim();
  const single = input.JWT_PRIVATE_KEY?.trim();
  if (!set && !single) return { status: 'missing' };
  try {
    const entries = set
      ? await rotationSet(set)
      : await singleKey(single!, input.JWT_PREVIOUS_PUBLIC_KEYS);
    // While a deployment moves from the single key to a set made from it, both are set; any
    // other pair would make "which key signs" a guess.
    if (set && single && !entries.some((e) => e.kid === (JSON.parse(single) as JWK).kid)) {
      return { status: 'invalid' };
    }
    if (new Set(entries.map((e) => e.kid)).size !== entries.length) return { status: 'invalid' };
    const graceMs = (input.ACCESS_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_S) * 1000;
    return { status: 'ok', keys: { entries, graceMs } };
  } catch (err) {
    return { status: err instanceof WeakKey ? 'weak' : 'invalid' };
  }
}

/**
 * JWT_RSA_SIGNING_KEYS: the RS256 keys of ID tokens, rotated like JWT_SIGNING_KEYS (the same
 * states and grace, the ID token's lifetime being the access token's). Optional: without it
 * the API works as before and ID tokens are signed with the EdDSA key only.
 */
export async function loadRsaSigningKeys(input: {
  JWT_RSA_SIGNING_KEYS?: string;
  ACCESS_TOKEN_TTL_SECONDS: number;
}): Promise<{ status: KeyStatus; keys?: SigningKeys }> {
  const set = input.JWT_RSA_SIGNING_KEYS?.trim();
  if (!set) return { status: 'missing' };
  try {
    const entries = await rotationSet(set, true);
    if (new Set(entries.map((e) => e.kid)).size !== entries.length) return { status: 'invalid' };
    const graceMs = (input.ACCESS_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_S) * 1000;
    return { status: 'ok', keys: { entries, graceMs } };
  } catch (err) {
    return { status: err instanceof WeakKey ? 'weak' : 'invalid' };
  }
}

/** The key that signs at `now`: the newest one active by then (undefined: none can sign). */
export function signerAt(keys: SigningKeys, now: number): KeyEntry | undefined {
  const current = keys.entries.findLast((e) => e.activeFrom <= now);
  return current?.privateKey ? current : undefined;
}

/**
 * The keys published (and accepted) at `now`: next keys, the current one, and retired ones
 * within their grace; pinned ones until the operator drops them.
 */
export function publishedAt(keys: SigningKeys, now: number): KeyEntry[] {
  const { entries, graceMs } = keys;
  return entries.filter((entry, i) => {
    if (entry.pinned) return true;
    const successor = entries.slice(i + 1).find((e) => e.activeFrom > entry.activeFrom);
    return !successor || successor.activeFrom + graceMs > now;
  });
}

/** The published key named `kid` at `now`, if any. */
export const verifierAt = (keys: SigningKeys, kid: string, now: number) =>
  publishedAt(keys, now).find((e) => e.kid === kid);
