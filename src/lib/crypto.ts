import { base64url } from 'jose';

const encoder = new TextEncoder();

/** `bytes` from the CSPRNG as base64url; 32 bytes = 256 bits, over the 128 security.md asks. */
export function randomToken(bytes = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** SHA-256 of a token as base64url: how opaque tokens are stored (never the token itself). */
export async function sha256(text: string): Promise<string> {
  return base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text))),
  );
}

/** Constant-time equality for secrets of possibly different lengths. */
export function timingSafeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const x = typeof a === 'string' ? encoder.encode(a) : a;
  const y = typeof b === 'string' ? encoder.encode(b) : b;
  // workerd's timingSafeEqual throws on unequal lengths; compare y with itself to keep the time.
  if (x.byteLength !== y.byteLength) {
    crypto.subtle.timingSafeEqual(y, y);
    return false;
  }
  return crypto.subtle.timingSafeEqual(x, y);
}

export { base64url };

/**
 * RFC 5869 HKDF-SHA256: an HMAC-SHA256 key for one purpose (`info`) from a secret held for
 * another, so the two uses never share a key. The secret is already high-entropy, so the salt
 * is the RFC's default (HashLen zero bytes).
 */
export async function deriveHmacKey(
  secret: Uint8Array,
  info: string,
  usages: string[] = ['sign'],
): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: encoder.encode(info) },
    material,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    usages,
  );
}

/** HMAC-SHA256 of a text as base64url (43 characters). */
export async function hmacSha256(key: CryptoKey, text: string): Promise<string> {
  return base64url.encode(
    new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(text))),
  );
}

/** An AES-256-GCM key from 32 raw bytes, for encrypting secrets at rest. */
export const importAesKey = (raw: Uint8Array): Promise<CryptoKey> =>
  crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);

/**
 * AES-GCM with a fresh 96-bit IV: base64url(iv ‖ ciphertext ‖ tag). `context` is authenticated
 * data (what the secret belongs to), so a ciphertext copied to another row fails to decrypt.
 */
export async function encryptSecret(key: CryptoKey, plain: Uint8Array, context: string) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const additionalData = encoder.encode(context);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, plain),
  );
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return base64url.encode(out);
}

/** The inverse of encryptSecret; throws when the key, the context or the bytes are wrong. */
export async function decryptSecret(key: CryptoKey, sealed: string, context: string) {
  const bytes = base64url.decode(sealed);
  const additionalData = encoder.encode(context);
  const iv = bytes.subarray(0, 12);
  return new Uint8Array(
    await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, key, bytes.subarray(12)),
  );
}
