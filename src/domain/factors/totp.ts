import { Secret, TOTP } from 'otpauth';
import { renderSVG } from 'uqr';
import { advanceTotpStep } from '../../db/queries/mfa';
import type { MfaMethod } from '../../db/schema';
import { orUnavailable } from '../../lib/errors';
import { open, seal, type Keyring } from '../../lib/keyring';
import type { Deps } from '../deps';

/**
 * TOTP per RFC 6238 (SHA-1, 6 digits, 30 s, ±1 step) through `otpauth` (security.md "MFA"):
 * the secret, its stored form, and using a code, for enrolment and sign-in alike.
 */
const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
const TOTP_WINDOW = 1;
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
const totpStep = (now: number) => Math.floor(now / 1000 / TOTP_PERIOD_S);

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

/** The stored form of a TOTP secret: AES-GCM under the current key, bound to method and user. */
export const sealTotpSecret = (
  keys: Keyring,
  secret: Uint8Array,
  methodId: string,
  userId: string,
) => seal(keys, secret, `mfa:${userId}:${methodId}`);

/**
 * Whether `code` is a right TOTP code of `method`, newer than its last used step; the step is
 * then taken (guarded UPDATE), so a replay, even a parallel one, fails.
 */
export async function useTotp(
  deps: Pick<Deps, 'db' | 'now'>,
  keys: Keyring,
  method: MfaMethod,
  code: string,
) {
  if (method.type !== 'totp' || !method.secretEnc || !isCodeOf(TOTP_DIGITS, code)) return false;
  // A secret no configured key opens (its key was dropped from MFA_ENCRYPTION_KEY too soon):
  // the factor is unusable until the key is back, and the sign-in fails closed.
  const secret = await orUnavailable('The key of this TOTP secret', () =>
    open(keys, method.secretEnc!, `mfa:${method.userId}:${method.id}`),
  );
  const step = matchTotp(secret, code, deps.now());
  if (step === null || step <= (method.lastUsedStep ?? -1)) return false;
  return (await advanceTotpStep(deps.db, method.id, step, new Date(deps.now()))) !== null;
}
