import type { MfaMethod } from '../../db/schema';
import { sessionStore } from '../../durable-objects/session-store/object';
import { sha256 } from '../../lib/crypto';
import { ApiError, orUnavailable } from '../../lib/errors';
import type { Deps } from '../deps';
import { hitLimit } from '../limits';
import { notify } from '../notifications';
import { isCodeOf } from './totp';

/**
 * Email and SMS codes (security.md "MFA"): 6 digits, 10 minutes, 5 tries. A code is kept
 * (hashed, bound to its method and to the login it was sent for, '' for an enrolment) in the
 * user's SessionStore, which checks and uses it up, so of parallel tries of one code exactly one
 * succeeds.
 */
export const OTP_TTL_S = 600;
export const OTP_MAX_TRIES = 5;
const OTP_DIGITS = 6;

type CodeMethod = Pick<MfaMethod, 'id' | 'userId' | 'type' | 'destination'>;

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{7,14}$/;

/** What a list may show of a destination: `a•••@example.com`, `•••••••4567`. */
export function maskDestination(type: 'email' | 'sms', destination: string): string {
  if (type === 'sms')
    return `${'•'.repeat(Math.max(0, destination.length - 4))}${destination.slice(-4)}`;
  const at = destination.lastIndexOf('@');
  return `${destination.slice(0, 1)}•••${destination.slice(at)}`;
}

/** A uniform 6-digit code (rejection sampling: no modulo bias). */
export function newOtpCode(): string {
  const limit = Math.floor(2 ** 32 / 10 ** OTP_DIGITS) * 10 ** OTP_DIGITS;
  for (;;) {
    const [n] = crypto.getRandomValues(new Uint32Array(1)) as unknown as [number];
    if (n < limit) return String(n % 10 ** OTP_DIGITS).padStart(OTP_DIGITS, '0');
  }
}

/**
 * The stored form of a code: bound to its method and to the login it was sent for. A 6-digit
 * code's hash alone would not resist a search; it lives 10 minutes, allows 5 tries and sits
 * only in the user's Durable Object, so the binding is what matters here.
 */
export const hashOtpCode = (methodId: string, challenge: string, code: string) =>
  sha256(`mfa-otp:${methodId}:${challenge}:${code}`);

/**
 * Sends a fresh code for `method`, bound to `challenge` (the login's mfa_token hash, '' for an
 * enrolment); it replaces any code sent before. Sends are capped per account and per destination
 * (they cost money and can flood a phone). Unlike a reset email this is awaited: the user is
 * waiting for the code, and if it cannot go out they must hear so (503) and pick another
 * method, never get in without it (fail closed).
 */
export async function sendCode(
  deps: Deps,
  method: CodeMethod,
  challenge: string,
  stage: 'enrolment' | 'login',
) {
  const { type, destination } = method;
  if ((type !== 'email' && type !== 'sms') || !destination) {
    throw new ApiError('VALIDATION_ERROR', 'TOTP codes come from the authenticator app');
  }
  const rule = deps.config.RATE_LIMIT_MFA_SEND;
  const decisions = await Promise.all([
    hitLimit(deps, `mfa-send:user:${method.userId}`, rule),
    hitLimit(deps, `mfa-send:to:${await sha256(destination)}`, rule),
  ]);
  const refused = decisions.find((d) => !d.allowed);
  if (refused) {
    throw new ApiError('RATE_LIMITED', 'Too many codes sent; try again later', {
      headers: { 'Retry-After': String(refused.retryAfter) },
    });
  }
  const code = newOtpCode();
  const codeHash = await hashOtpCode(method.id, challenge, code);
  await orUnavailable('Session store', () =>
    sessionStore(deps.sessions, method.userId).putOtpCode({
      methodId: method.id,
      challenge,
      codeHash,
      ttlMs: OTP_TTL_S * 1000,
      now: deps.now(),
    }),
  );
  const what = stage === 'login' ? 'sign-in' : 'confirmation';
  const text = `Your ${what} code is ${code}. It expires in ${OTP_TTL_S / 60} minutes. If you did not ask for it, change your password.`;
  const delivery = await notify(deps, {
    channel: type,
    to: destination,
    ...(type === 'email' && { subject: `Your ${what} code` }),
    text,
  });
  if (delivery !== 'sent') {
    throw new ApiError('DEPENDENCY_UNAVAILABLE', 'The code could not be sent; try another method');
  }
  deps.events.emit({
    type: 'mfa_challenge_sent',
    user_id: method.userId,
    metadata: { method_id: method.id, type, stage },
  });
}

/** Tries a code against the one pending for `method` and `challenge`; true if it was it. */
export async function useOtp(deps: Deps, method: CodeMethod, challenge: string, code: string) {
  if (!isCodeOf(OTP_DIGITS, code)) return false;
  const codeHash = await hashOtpCode(method.id, challenge, code);
  const outcome = await orUnavailable('Session store', () =>
    sessionStore(deps.sessions, method.userId).useOtpCode({
      methodId: method.id,
      challenge,
      codeHash,
      maxAttempts: OTP_MAX_TRIES,
      now: deps.now(),
    }),
  );
  return outcome === 'ok';
}
