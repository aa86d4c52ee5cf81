import type { ErrorCode } from '../../lib/error-codes';
import { ApiError } from '../../lib/errors';
import type { Problem } from './pages.views';

/** What each refusal means to a person at the form: never a code, never JSON. */
const WORDS: Partial<Record<ErrorCode, string>> = {
  INVALID_CREDENTIALS: 'That email and password do not match an account. Check both and try again.',
  ACCOUNT_LOCKED:
    'Too many failed attempts: this account is locked for a while. Try again later, or reset your password.',
  ACCOUNT_SUSPENDED: 'This account is suspended. Contact the people who run this service.',
  RATE_LIMITED: 'Too many attempts from your network. Wait a minute, then try again.',
  USER_EXISTS: 'An account with this email already exists. Sign in, or reset its password.',
  WEAK_PASSWORD: 'Choose a stronger password:',
  INVALID_EMAIL: 'Enter a valid email address, such as ada@example.com.',
  VALIDATION_ERROR: 'Some fields are missing or too long. Check the form and try again.',
  INVALID_MFA_CODE: 'That code is not right. Enter the current code and try again.',
  INVALID_TOKEN: 'This link or sign-in step has expired or was already used.',
  TOKEN_EXPIRED: 'This link has expired. Ask for a new one.',
  CSRF_REJECTED:
    'This form was sent from another site, so it was refused. Open the page here and try again.',
  UNSUPPORTED_MEDIA_TYPE: 'This form could not be read. Open the page again and resend it.',
  PAYLOAD_TOO_LARGE: 'The form is too large.',
  PASSKEY_REJECTED: 'That passkey could not sign you in. Try again, or use your password.',
  DEPENDENCY_UNAVAILABLE: 'The service is briefly unavailable. Try again in a minute.',
  // The invitation page (pages.invitation.tsx).
  NOT_FOUND: 'This invitation is invalid, was already used, revoked or has expired.',
  FORBIDDEN:
    'This invitation was sent to another email address. Sign in with the invited address to accept it.',
  ALREADY_MEMBER: 'You are already a member of this organization.',
  SESSION_REVOKED: 'Your session has ended. Sign in again to accept the invitation.',
  EMAIL_NOT_VERIFIED: 'Confirm your email address first, then accept the invitation.',
  SIGN_UP_CLOSED:
    'This service does not take new sign-ups. Ask the people who run it for an account.',
  BREACHED_PASSWORD:
    'This password has appeared in a data breach, so attackers try it first. Choose another one.',
  CAPTCHA_FAILED: 'We could not confirm you are not a bot. Complete the check and try again.',
};

/** An error as the page shows it, and the status the page answers with. */
export function problemOf(err: unknown): { problem: Problem; status: number } | null {
  if (!(err instanceof ApiError)) return null;
  const message = WORDS[err.code] ?? 'That did not work. Try again.';
  // Only the password policy's entries are meant for people; other 422 entries name fields.
  const details =
    err.code === 'WEAK_PASSWORD'
      ? err.extra.errors?.map((e) => `Password ${e.message}.`)
      : undefined;
  return { problem: { message, details }, status: err.status };
}
