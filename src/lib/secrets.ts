import { deriveHmacKey } from './crypto';
import { loadKeyring, type Keyring } from './keyring';
import { ApiError } from './errors';
import { importPepper, type PasswordHasher } from './password';
import { loadServiceKeys } from './service-keys';
import { loadSigningKeys, type KeyStatus, type SigningKeys } from './signing-keys';

/** The configuration the secrets are read from (config.ts parses it). */
export interface SecretsConfig {
  JWT_SIGNING_KEYS?: string;
  JWT_PRIVATE_KEY?: string;
  JWT_PREVIOUS_PUBLIC_KEYS?: string;
  PASSWORD_PEPPER?: string;
  SERVICE_API_KEYS?: string;
  MFA_ENCRYPTION_KEY?: string;
  PBKDF2_ITERATIONS: number;
  ACCESS_TOKEN_TTL_SECONDS: number;
}

export interface Secrets {
  signing: { status: KeyStatus; keys?: SigningKeys };
  /**
   * The pepper, and keys derived from it: the refresh-token successor key (sessions.ts), the
   * backup codes' HMAC key (domain/factors/backup-codes.ts) and the key that signs passkey
   * sign-in challenges (domain/factors/sign-in-challenges.ts).
   */
  pepper: {
    status: KeyStatus;
    hasher?: PasswordHasher;
    successorKey?: CryptoKey;
    backupCodeKey?: CryptoKey;
    challengeKey?: CryptoKey;
    /** The admin console's CSRF tokens (HMAC of the session id, routes/console). */
    csrfKey?: CryptoKey;
  };
  services: ReturnType<typeof loadServiceKeys>;
  /** The AES-GCM keys of stored TOTP secrets (MFA_ENCRYPTION_KEY, lib/keyring.ts). */
  mfa: { status: KeyStatus; keyring?: Keyring };
}

const MIN_PEPPER_BYTES = 32;
/** HKDF `info` of the refresh-token successor key: never the same key as the pepper's. */
const SUCCESSOR_KEY_INFO = 'edge-auth refresh-token successor v1';
/** HKDF `info` of the backup codes' HMAC key. */
const BACKUP_CODE_KEY_INFO = 'edge-auth backup codes v1';
/** HKDF `info` of the passkey sign-in challenges' HMAC key (exported for the tests' forgeries). */
export const CHALLENGE_KEY_INFO = 'edge-auth passkey sign-in challenges v1';
/** HKDF `info` of the console's CSRF token key. */
const CSRF_KEY_INFO = 'edge-auth console csrf v1';
const cache = new WeakMap<SecretsConfig, Promise<Secrets>>();

async function loadPepper(config: SecretsConfig): Promise<Secrets['pepper']> {
  const secret = config.PASSWORD_PEPPER?.trim();
  if (!secret) return { status: 'missing' };
  const bytes = new TextEncoder().encode(secret);
  // A short or repetitive pepper adds nothing an attacker with the database cannot guess.
  if (bytes.length < MIN_PEPPER_BYTES || new Set(secret).size < 8) return { status: 'weak' };
  const [pepper, successorKey, backupCodeKey, challengeKey, csrfKey] = await Promise.all([
    importPepper(bytes),
    deriveHmacKey(bytes, SUCCESSOR_KEY_INFO),
    deriveHmacKey(bytes, BACKUP_CODE_KEY_INFO),
    deriveHmacKey(bytes, CHALLENGE_KEY_INFO, ['sign', 'verify']),
    deriveHmacKey(bytes, CSRF_KEY_INFO),
  ]);
  const hasher = { iterations: config.PBKDF2_ITERATIONS, pepper };
  return { status: 'ok', hasher, successorKey, backupCodeKey, challengeKey, csrfKey };
}

/** Imports the keys once per isolate; a missing or weak one is reported, never used. */
export function loadSecrets(config: SecretsConfig): Promise<Secrets> {
  let secrets = cache.get(config);
  if (!secrets) {
    secrets = Promise.all([
      loadSigningKeys(config),
      loadPepper(config),
      loadKeyring(config.MFA_ENCRYPTION_KEY),
    ]).then(([signing, pepper, mfa]) => ({
      signing,
      pepper,
      mfa,
      services: loadServiceKeys(config.SERVICE_API_KEYS),
    }));
    cache.set(config, secrets);
  }
  return secrets;
}

const unavailable = (what: string) =>
  new ApiError('DEPENDENCY_UNAVAILABLE', `${what} is not configured`, {
    headers: { 'Retry-After': '60' },
  });

/** The signing keys, or 503: the worker never signs or verifies with a missing or weak key. */
export function requireSigningKeys(secrets: Secrets): SigningKeys {
  if (!secrets.signing.keys) throw unavailable('Token signing');
  return secrets.signing.keys;
}

/** The password hasher, or 503 when the pepper is missing or weak. */
export function requireHasher(secrets: Secrets): PasswordHasher {
  if (!secrets.pepper.hasher) throw unavailable('Password hashing');
  return secrets.pepper.hasher;
}

/** The key that derives refresh-token successors, or 503 when the pepper is missing or weak. */
export function requireSuccessorKey(secrets: Secrets): CryptoKey {
  if (!secrets.pepper.successorKey) throw unavailable('Token rotation');
  return secrets.pepper.successorKey;
}

/** The keys of stored TOTP secrets, or 503: MFA is unavailable without them. */
export function requireMfaKeys(secrets: Secrets): Keyring {
  if (!secrets.mfa.keyring) throw unavailable('Multi-factor authentication');
  return secrets.mfa.keyring;
}

/** The backup codes' HMAC key, or 503 when the pepper is missing or weak. */
export function requireBackupCodeKey(secrets: Secrets): CryptoKey {
  if (!secrets.pepper.backupCodeKey) throw unavailable('Backup codes');
  return secrets.pepper.backupCodeKey;
}

/** The key of passkey sign-in challenges, or 503 when the pepper is missing or weak. */
export function requireChallengeKey(secrets: Secrets): CryptoKey {
  if (!secrets.pepper.challengeKey) throw unavailable('Passkey sign-in');
  return secrets.pepper.challengeKey;
}

/** The console's CSRF key, or 503 when the pepper is missing or weak. */
export function requireCsrfKey(secrets: Secrets): CryptoKey {
  if (!secrets.pepper.csrfKey) throw unavailable('Console forms');
  return secrets.pepper.csrfKey;
}
