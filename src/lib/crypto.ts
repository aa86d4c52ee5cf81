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
