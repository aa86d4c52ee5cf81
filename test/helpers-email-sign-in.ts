import { expect } from 'vitest';
import { api, env } from './helpers';
import {
  latestToken,
  linkToken,
  VERIFY_SUBJECT,
  waitForMail,
  type OutboxMessage,
} from './helpers-mail';
import { createMfaUser } from './helpers-mfa';

export const SIGN_IN_SUBJECT = 'Your sign-in link';

/** POST /auth/email/start. */
export const startEmail = (
  email: string,
  extra: { return_to?: string; create_account?: boolean } = {},
  headers?: Record<string, string>,
) => api('POST', '/auth/email/start', { json: { email, ...extra }, headers });

/** POST /auth/email/verify with a link token or an address and code. */
export const verifyEmailSignIn = (
  body: { token: string } | { email: string; code: string },
  query = '',
  headers?: Record<string, string>,
) => api('POST', `/auth/email/verify${query}`, { json: body, headers });

/** The link token and the code of one sign-in email. */
function signInParts(message: OutboxMessage) {
  expect(message.body).toMatch(/\/auth\/email\/confirm\?token=/);
  const code = /code[^\n]*: (\d{6})\n/.exec(message.body)?.[1];
  expect(code, message.body).toMatch(/^\d{6}$/);
  return { token: linkToken(message), code: code! };
}

/** Starts an email sign-in and returns the newest email's link token and code (the `count`th). */
export async function emailSignIn(
  email: string,
  extra: Parameters<typeof startEmail>[1] = {},
  count = 1,
) {
  const res = await startEmail(email, extra);
  expect(res.status, res.text).toBe(202);
  const [newest] = await waitForMail(email, SIGN_IN_SUBJECT, count);
  return signInParts(newest!);
}

/** Makes an address's pending sign-in look `minutes` older than it is (its expiry passes). */
export async function ageEmailSignIn(email: string, minutes: number) {
  await env.DB.prepare(
    'UPDATE email_sign_ins SET expires_at = expires_at - ?, created_at = created_at - ? WHERE email = ?',
  )
    .bind(minutes * 60_000, minutes * 60_000, email)
    .run();
}

/**
 * A user with TOTP on whose address is verified: an email sign-in to a never verified account
 * is the mailbox's first proof and clears its factors, so the MFA step needs a verified one.
 */
export async function createVerifiedMfaUser() {
  const user = await createMfaUser();
  const token = await latestToken(user.email, VERIFY_SUBJECT);
  const res = await api('POST', '/auth/verify-email', { json: { token } });
  expect(res.status, res.text).toBe(200);
  return user;
}
