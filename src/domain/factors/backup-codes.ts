import { redeemBackupCode, replaceBackupCodes } from '../../db/queries/mfa';
import { hmacSha256, sha256 } from '../../lib/crypto';
import { requireBackupCodeKey } from '../../lib/secrets';
import type { Deps } from '../deps';

/**
 * Backup codes (security.md "MFA"): ten single-use codes that stand in for any factor. Stored
 * as HMAC-SHA256 under a key derived from the pepper (lib/secrets.ts), so a copy of the database
 * alone cannot test guesses against them. Sets stored before that, as bare SHA-256, still
 * redeem until they are regenerated; rotating the pepper voids the HMAC sets (as it voids the
 * passwords), and the owners regenerate them after signing in with their factor.
 */
const BACKUP_CODE_COUNT = 10;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Ten codes of 10 base32 characters (50 random bits each), shown once. */
function newBackupCodes(): string[] {
  return Array.from({ length: BACKUP_CODE_COUNT }, () =>
    Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => BASE32[b & 31]).join(''),
  );
}

/** A typed backup code as stored: upper case, without spaces or dashes; null if it is none. */
function normaliseBackupCode(code: string): string | null {
  const plain = code.replace(/[\s-]/g, '').toUpperCase();
  return /^[A-Z2-7]{10}$/.test(plain) ? plain : null;
}

const hashOf = (key: CryptoKey, code: string) => hmacSha256(key, `mfa-backup:${code}`);
/** The form of sets stored before the HMAC: still redeemable. */
const legacyHashOf = (code: string) => sha256(`mfa-backup:${code}`);

/** Fresh backup codes replace the old set at once; only their HMACs are stored. */
export async function issueBackupCodes(deps: Pick<Deps, 'db' | 'secrets' | 'now'>, userId: string) {
  const key = requireBackupCodeKey(deps.secrets);
  const fresh = newBackupCodes();
  const hashes = await Promise.all(fresh.map((code) => hashOf(key, code)));
  await replaceBackupCodes(deps.db, userId, hashes, new Date(deps.now()));
  return fresh;
}

/** Uses up `code` if it is an unused backup code of the user: true for exactly one caller. */
export async function useBackupCode(
  deps: Pick<Deps, 'db' | 'secrets' | 'now'>,
  userId: string,
  code: string,
) {
  const plain = normaliseBackupCode(code);
  if (plain === null) return false;
  const key = requireBackupCodeKey(deps.secrets);
  const hashes = await Promise.all([hashOf(key, plain), legacyHashOf(plain)]);
  return redeemBackupCode(deps.db, userId, hashes, new Date(deps.now()));
}
