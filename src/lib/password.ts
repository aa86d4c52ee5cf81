import { base64url, timingSafeEqual } from './crypto';

/**
 * Password storage per security.md: NFKC, PBKDF2-HMAC-SHA256 (WebCrypto), 16-byte salt, then
 * HMAC-SHA256 with the pepper (a Worker secret, never in D1), stored PHC-style:
 *   $pbkdf2-sha256$i=100000$<salt>$<peppered hash>   (base64url, no padding)
 */
export interface PasswordHasher {
  iterations: number;
  pepper: CryptoKey;
}

/**
 * Production Workers refuse PBKDF2 above 100,000 iterations (local workerd does not), so a
 * configuration above it would work in tests and fail in production: refuse it everywhere.
 */
export const PBKDF2_MAX_ITERATIONS = 100_000;

const SCHEME = 'pbkdf2-sha256';
const SALT_BYTES = 16;
const HASH_BYTES = 32;
// Bounds for stored parameters: anything outside is rejected before deriving, so a tampered row
// cannot make the worker spin (or throw in production, which caps PBKDF2 at 100,000).
const MIN_STORED_ITERATIONS = 1_000;
const encoder = new TextEncoder();

/** HMAC key for the pepper; `secret` is at least 32 bytes (env validation checks it). */
export function importPepper(secret: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/** PBKDF2-HMAC-SHA256 through WebCrypto; exported for the known-answer tests. */
export async function pbkdf2Sha256(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  bytes: number,
): Promise<Uint8Array> {
  if (iterations > PBKDF2_MAX_ITERATIONS) {
    throw new RangeError(`PBKDF2 iterations above ${PBKDF2_MAX_ITERATIONS} fail on Workers`);
  }
  const key = await crypto.subtle.importKey('raw', password, 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    key,
    bytes * 8,
  );
  return new Uint8Array(bits);
}

async function peppered(
  hasher: PasswordHasher,
  password: string,
  salt: Uint8Array,
  iterations: number,
) {
  const derived = await pbkdf2Sha256(
    encoder.encode(password.normalize('NFKC')),
    salt,
    iterations,
    HASH_BYTES,
  );
  return new Uint8Array(await crypto.subtle.sign('HMAC', hasher.pepper, derived));
}

/** Hashes a password for storage with a fresh random salt. */
export async function hashPassword(hasher: PasswordHasher, password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await peppered(hasher, password, salt, hasher.iterations);
  return `$${SCHEME}$i=${hasher.iterations}$${base64url.encode(salt)}$${base64url.encode(hash)}`;
}

interface StoredHash {
  iterations: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

/** Parses a stored hash, or null when it is malformed or its parameters are out of bounds. */
export function parseStoredHash(stored: string): StoredHash | null {
  const match = /^\$pbkdf2-sha256\$i=(\d{1,10})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!match) return null;
  const iterations = Number(match[1]);
  if (iterations < MIN_STORED_ITERATIONS || iterations > PBKDF2_MAX_ITERATIONS) return null;
  try {
    const salt = base64url.decode(match[2]!);
    const hash = base64url.decode(match[3]!);
    if (salt.length < SALT_BYTES || salt.length > 64 || hash.length !== HASH_BYTES) return null;
    return { iterations, salt, hash };
  } catch {
    return null;
  }
}

export type VerifyOutcome = { ok: boolean; needsRehash: boolean };

/** Checks a password against a stored hash; `needsRehash` when the parameters are outdated. */
export async function verifyPassword(
  hasher: PasswordHasher,
  password: string,
  stored: string,
): Promise<VerifyOutcome> {
  // A passwordless account answers as slowly as one with a password (no timing oracle); a
  // tampered row is refused at once, before any derivation.
  if (stored === NO_PASSWORD_HASH) await burnDummyHash(hasher, password);
  const parsed = parseStoredHash(stored);
  if (!parsed) return { ok: false, needsRehash: false };
  const candidate = await peppered(hasher, password, parsed.salt, parsed.iterations);
  const ok = timingSafeEqual(candidate, parsed.hash);
  return { ok, needsRehash: ok && parsed.iterations !== hasher.iterations };
}

const DUMMY_SALT = new Uint8Array(SALT_BYTES);

/**
 * The stored "hash" of an account without a password (one made by an email sign-in): it parses
 * as no hash, so no password matches it; verifyPassword spends a dummy hash on it all the same.
 */
export const NO_PASSWORD_HASH = '$none$';

/**
 * Spends one full hash on a password for an unknown account, so the response time does not
 * reveal whether the email is registered (OWASP Authentication cheat sheet).
 */
export async function burnDummyHash(hasher: PasswordHasher, password: string): Promise<void> {
  await peppered(hasher, password, DUMMY_SALT, hasher.iterations);
}
