// TOTP codes computed by the tests themselves, for the workerd tests (helpers-mfa.ts) and the
// browser tests alike: no import of the worker or of cloudflare:test.
/**
 * An RFC 6238 implementation of the test's own (HMAC-SHA1 over WebCrypto, RFC 4226 §5.3
 * dynamic truncation), independent of the worker's `otpauth`.
 */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Decode(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '').toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = BASE32.indexOf(ch);
    if (index < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

export async function hotp(secret: Uint8Array, counter: number, digits = 6): Promise<string> {
  const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-1' }, false, [
    'sign',
  ]);
  const message = new Uint8Array(8);
  new DataView(message.buffer).setBigUint64(0, BigInt(counter));
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, message));
  const offset = mac[19]! & 0x0f;
  const binary =
    ((mac[offset]! & 0x7f) << 24) |
    (mac[offset + 1]! << 16) |
    (mac[offset + 2]! << 8) |
    mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

const stepAt = (ms: number) => Math.floor(ms / 30_000);

/** The TOTP code of `step` (default: now), 6 digits. */
export const totpAt = (secret: Uint8Array, step = stepAt(Date.now())) => hotp(secret, step);

/**
 * Waits until at least `margin` ms remain in the current 30 s step, so a test that names steps
 * relative to "now" cannot see the worker's clock cross into the next one mid-test.
 */
export async function stableStep(margin = 8_000): Promise<number> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < margin) await new Promise((r) => setTimeout(r, left + 200));
  return stepAt(Date.now());
}
