// @ts-check
// The rotation of JWT_SIGNING_KEYS (src/lib/signing-keys.ts explains the states), as pure
// functions over WebCrypto: scripts/keys-rotate.mjs runs them in Node, and the tests run them in
// workerd and feed the result to the worker, so what the command prints is what gets tested.

/** Verifiers may cache the JWKS this long (the worker's JWKS_MAX_AGE_S). */
export const JWKS_MAX_AGE_S = 300;
/**
 * A new key is published this long before it signs: twice the JWKS cache lifetime, so every
 * verifier has refetched the JWKS (and holds the new key) before the first token it signs.
 */
export const ROTATION_LEAD_S = 2 * JWKS_MAX_AGE_S;
/** The worker's clock leeway on `exp` (security.md). */
const CLOCK_TOLERANCE_S = 30;

/** @typedef {{ kid: string, kty: string, active_from?: string, d?: string, [k: string]: unknown }} KeyJwk */

/**
 * A fresh Ed25519 signing key as a private JWK that starts signing at `activeFrom` (ms).
 * @param {number} activeFrom
 * @param {string} [kid]
 * @param {'EdDSA' | 'RS256'} [alg] RS256: an RSA key of JWT_RSA_SIGNING_KEYS
 */
export async function newSigningKey(
  activeFrom,
  kid = `k-${new Date(activeFrom).toISOString().slice(0, 16).replace(/[-:]/g, '')}`,
  alg = 'EdDSA',
) {
  if (alg === 'RS256') {
    const rsa = await newRsaJwk(`${kid}-rs`);
    return /** @type {KeyJwk} */ ({ ...rsa, active_from: new Date(activeFrom).toISOString() });
  }
  const pair = /** @type {CryptoKeyPair} */ (
    await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])
  );
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  return /** @type {KeyJwk} */ ({
    ...jwk,
    kid,
    alg: 'EdDSA',
    active_from: new Date(activeFrom).toISOString(),
  });
}

/**
 * A 2048-bit RSA private JWK for RS256 (scripts/signing-key-rotation.mjs rotates them too).
 * @param {string} kid
 */
export async function newRsaJwk(kid) {
  const pair = /** @type {CryptoKeyPair} */ (
    await crypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )
  );
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  return { ...jwk, kid, alg: 'RS256' };
}

/**
 * The current secret as a rotation list: JWT_SIGNING_KEYS is one already; a JWT_PRIVATE_KEY
 * (one JWK) becomes its only entry, active since ever.
 * @param {string} value
 * @returns {KeyJwk[]}
 */
export function parseKeys(value) {
  const parsed = JSON.parse(value);
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (
    list.length === 0 ||
    list.some((k) => typeof k?.kid !== 'string' || typeof k?.kty !== 'string')
  ) {
    throw new Error('expected a JWK with a kid, or a list of them');
  }
  return list;
}

const activeFrom = (/** @type {KeyJwk} */ k) =>
  k.active_from ? Date.parse(k.active_from) : Number.NEGATIVE_INFINITY;

/**
 * Each key's state at `now`, oldest activation first: `next`, `current`, `retired` (still
 * published until `until`) or `dropped` (its grace is over: the worker ignores it).
 * @param {KeyJwk[]} keys
 * @param {{ now: number, tokenTtlSeconds: number }} at
 */
export function keyStates(keys, { now, tokenTtlSeconds }) {
  const graceMs = (tokenTtlSeconds + CLOCK_TOLERANCE_S) * 1000;
  const sorted = [...keys].sort((a, b) => activeFrom(a) - activeFrom(b));
  const currentIndex = sorted.findLastIndex((k) => activeFrom(k) <= now);
  return sorted.map((key, i) => {
    if (i > currentIndex) return { key, state: /** @type {const} */ ('next') };
    if (i === currentIndex) return { key, state: /** @type {const} */ ('current') };
    const until = activeFrom(/** @type {KeyJwk} */ (sorted[i + 1])) + graceMs;
    return {
      key,
      state: until > now ? /** @type {const} */ ('retired') : /** @type {const} */ ('dropped'),
      until,
    };
  });
}

/**
 * The set without what no longer signs: retired keys lose their private part (their public JWK
 * stays published until their tokens expire), keys whose grace is over are left out. The current
 * and the next key are kept whole. Run once a new key has started signing (`npm run keys:rotate
 * -- --prune`), so a superseded private key does not sit in the secret until the next rotation
 * (security review: low).
 * @param {KeyJwk[]} keys
 * @param {{ now: number, tokenTtlSeconds: number }} at
 */
export function prune(keys, at) {
  return keyStates(keys, at)
    .filter((s) => s.state !== 'dropped')
    .map(({ key, state }) => {
      if (state !== 'retired') return key;
      const { d: _d, ...publicPart } = key;
      return publicPart;
    });
}

/**
 * Keys that no longer sign but still hold a private part (`--status` points at `--prune`).
 * @param {KeyJwk[]} keys
 * @param {{ now: number, tokenTtlSeconds: number }} at
 */
export const privateButRetired = (keys, at) =>
  keyStates(keys, at)
    .filter((s) => s.state !== 'current' && s.state !== 'next' && typeof s.key.d === 'string')
    .map((s) => s.key.kid);

/**
 * The next JWT_SIGNING_KEYS value: a new key that signs `leadSeconds` from now (published at
 * once), the current key kept until then, retired keys without their private part, and keys
 * whose grace is over left out. Refuses while an earlier rotation has not taken effect yet, and a
 * lead shorter than ROTATION_LEAD_S.
 * JWT_RSA_SIGNING_KEYS (alg RS256, the ID tokens' keys) rotates the same way.
 * @param {KeyJwk[]} keys
 * @param {{ now: number, tokenTtlSeconds: number, leadSeconds?: number, kid?: string, alg?: 'EdDSA' | 'RS256' }} options
 */
export async function rotate(
  keys,
  { now, tokenTtlSeconds, leadSeconds = ROTATION_LEAD_S, kid, alg = 'EdDSA' },
) {
  if (leadSeconds < ROTATION_LEAD_S) {
    throw new Error(
      `the lead must be at least ${ROTATION_LEAD_S} s (twice the JWKS cache lifetime)`,
    );
  }
  const states = keyStates(keys, { now, tokenTtlSeconds });
  const pending = states.find((s) => s.state === 'next');
  if (pending) {
    throw new Error(
      `key ${pending.key.kid} starts signing at ${pending.key.active_from}: rotate after that`,
    );
  }
  const kept = prune(keys, { now, tokenTtlSeconds });
  const at = now + leadSeconds * 1000;
  const fresh = await newSigningKey(at, kid, alg);
  if (kept.some((k) => k.kid === fresh.kid)) throw new Error(`kid ${fresh.kid} is taken`);
  return [...kept, fresh];
}
