import { Secret, TOTP } from 'otpauth';
import { renderSVG } from 'uqr';
import { base64url, decryptSecret, encryptSecret, sha256 } from '../lib/crypto';

/**
 * The codes of the second factor (security.md "MFA"): TOTP per RFC 6238 (SHA-1, 6 digits,
 * 30 s, ±1 step) through `otpauth`, and backup codes. No I/O here: mfa.ts stores and checks.
 */
export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
export const TOTP_WINDOW = 1;
const ISSUER = 'edge-auth';

/** A fresh 20-byte (160-bit, RFC 4226 §4's recommendation) secret. */
export const newTotpSecret = () => crypto.getRandomValues(new Uint8Array(20));

/** What an authenticator app needs: the base32 secret, the otpauth:// URI and its QR code. */
export function enrolmentOf(secret: Uint8Array, label: string) {
  const totp = new TOTP({
    issuer: ISSUER,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_S,
    secret: new Secret({ buffer: secret.slice().buffer }),
  });
  const uri = totp.toString();
  return { secret: totp.secret.base32, uri, qrSvg: renderSVG(uri) };
}

/** Whether `code` is exactly `digits` decimal digits (a TOTP or email/SMS code's form). */
export const isCodeOf = (digits: number, code: string) =>
  code.length === digits && /^\d+$/.test(code);

/** The RFC 6238 time step of a moment. */
export const totpStep = (now: number) => Math.floor(now / 1000 / TOTP_PERIOD_S);

/**
 * The time step whose code `code` is, within ±TOTP_WINDOW of `now`, or null. The caller still
 * has to refuse a step already used (the method's last_used_step only moves forward).
 */
export function matchTotp(secret: Uint8Array, code: string, now: number, digits = TOTP_DIGITS) {
  if (!isCodeOf(digits, code)) return null;
  const delta = TOTP.validate({
    token: code,
    secret: new Secret({ buffer: secret.slice().buffer }),
    algorithm: 'SHA1',
    digits,
    period: TOTP_PERIOD_S,
    timestamp: now,
    window: TOTP_WINDOW,
  });
  return delta === null ? null : totpStep(now) + delta;
}

/** The stored form of a TOTP secret: AES-GCM, bound to its method and user. */
export const sealTotpSecret = (
  key: CryptoKey,
  secret: Uint8Array,
  methodId: string,
  userId: string,
) => encryptSecret(key, secret, `mfa:${userId}:${methodId}`);

export const openTotpSecret = (key: CryptoKey, sealed: string, methodId: string, userId: string) =>
  decryptSecret(key, sealed, `mfa:${userId}:${methodId}`);

export const BACKUP_CODE_COUNT = 10;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Ten codes of 10 base32 characters (50 random bits each), shown once. */
export function newBackupCodes(): string[] {
  return Array.from({ length: BACKUP_CODE_COUNT }, () =>
    Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => BASE32[b & 31]).join(''),
  );
}

/** A typed backup code as stored: upper case, without spaces or dashes; null if it is none. */
export function normaliseBackupCode(code: string): string | null {
  const plain = code.replace(/[\s-]/g, '').toUpperCase();
  return /^[A-Z2-7]{10}$/.test(plain) ? plain : null;
}

/** SHA-256 is enough: the codes are random, 50 bits each, not passwords. */
export const hashBackupCode = (code: string) => sha256(`mfa-backup:${code}`);

/** An mfa_token: `mfa.<user id>.<256 bits>`; the user id routes it to their SessionStore. */
const MFA_TOKEN = /^mfa\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

export const newMfaToken = (userId: string) =>
  `mfa.${userId}.${base64url.encode(crypto.getRandomValues(new Uint8Array(32)))}`;

export const mfaTokenOwner = (token: string) => MFA_TOKEN.exec(token)?.[1] ?? null;

export const OTP_DIGITS = 6;

/** A uniform 6-digit email/SMS code (rejection sampling: no modulo bias). */
export function newOtpCode(): string {
  const limit = Math.floor(2 ** 32 / 10 ** OTP_DIGITS) * 10 ** OTP_DIGITS;
  for (;;) {
    const [n] = crypto.getRandomValues(new Uint32Array(1)) as unknown as [number];
    if (n < limit) return String(n % 10 ** OTP_DIGITS).padStart(OTP_DIGITS, '0');
  }
}

/**
 * The stored form of an email/SMS code: bound to its method and to the login it was sent for.
 * A 6-digit code's hash alone would not resist a search; it lives 10 minutes, allows 5 tries
 * and sits only in the user's Durable Object, so the binding is what matters here.
 */
export const hashOtpCode = (methodId: string, challenge: string, code: string) =>
  sha256(`mfa-otp:${methodId}:${challenge}:${code}`);

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{7,14}$/;

/** What a list may show of a destination: `a•••@example.com`, `•••••••4567`. */
export function maskDestination(type: 'email' | 'sms', destination: string): string {
  if (type === 'sms')
    return `${'•'.repeat(Math.max(0, destination.length - 4))}${destination.slice(-4)}`;
  const at = destination.lastIndexOf('@');
  return `${destination.slice(0, 1)}•••${destination.slice(at)}`;
}
