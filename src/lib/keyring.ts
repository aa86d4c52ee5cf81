import { base64url, decryptSecret, encryptSecret, importAesKey, sha256 } from './crypto';
import type { KeyStatus } from './signing-keys';

/**
 * AES-256-GCM keys for secrets at rest (TOTP secrets, MFA_ENCRYPTION_KEY), so the key can
 * rotate: the variable holds one or more base64url keys separated by commas, the first one
 * current. A ciphertext names the key it was sealed with (`v2.<key id>.<iv ‖ ciphertext>`, the
 * id a hash of the key, never the key); one sealed before key ids existed (no prefix) is tried
 * with each key in turn, so it keeps opening after a rotation as long as its key is listed.
 */
export interface Keyring {
  current: { id: string; key: CryptoKey };
  keys: { id: string; key: CryptoKey }[];
}

const PREFIX = 'v2.';

/** The key id: 8 characters of the key's SHA-256, enough to tell a few keys apart. */
const keyId = async (text: string) => (await sha256(`keyring:${text}`)).slice(0, 8);

/** Parses the variable: each key exactly 32 bytes and not trivially repetitive. */
export async function loadKeyring(
  value: string | undefined,
): Promise<{ status: KeyStatus; keyring?: Keyring }> {
  const texts = (value ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (texts.length === 0) return { status: 'missing' };
  const raws: Uint8Array[] = [];
  for (const text of texts) {
    let bytes: Uint8Array;
    try {
      bytes = base64url.decode(text);
    } catch {
      return { status: 'invalid' };
    }
    if (bytes.length !== 32) return { status: 'invalid' };
    if (new Set(bytes).size < 8) return { status: 'weak' };
    raws.push(bytes);
  }
  const keys = await Promise.all(
    raws.map(async (raw, i) => ({ id: await keyId(texts[i]!), key: await importAesKey(raw) })),
  );
  return { status: 'ok', keyring: { current: keys[0]!, keys } };
}

/** Seals `plain` under the current key, bound to `context` (lib/crypto.ts encryptSecret). */
export async function seal(ring: Keyring, plain: Uint8Array, context: string) {
  return `${PREFIX}${ring.current.id}.${await encryptSecret(ring.current.key, plain, context)}`;
}

/** Opens what `seal` (or, without a key id, the single-key version before it) produced. */
export async function open(ring: Keyring, sealed: string, context: string) {
  if (sealed.startsWith(PREFIX)) {
    const [id, body] = sealed.slice(PREFIX.length).split('.');
    const entry = ring.keys.find((k) => k.id === id);
    if (!entry || !body) throw new Error('sealed under a key that is not configured');
    return decryptSecret(entry.key, body, context);
  }
  for (const { key } of ring.keys) {
    try {
      return await decryptSecret(key, sealed, context);
    } catch {
      // Not this key: try the next one.
    }
  }
  throw new Error('no configured key opens this secret');
}
