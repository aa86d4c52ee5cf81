import { describe, expect, it } from 'vitest';
import { api, apiWithEnv, createUser, env, expectError, signIn, uniqueEmail } from './helpers';
import {
  latestToken,
  linkToken,
  outbox,
  RESET_SUBJECT,
  settled,
  VERIFY_SUBJECT,
  waitForMail,
} from './helpers-mail';

const verifyEmail = (token: string) => api('POST', '/auth/verify-email', { json: { token } });

const emailVerified = async (accessToken: string) => {
  const res = await api('GET', '/auth/me', { token: accessToken });
  expect(res.status, res.text).toBe(200);
  return res.body.email_verified as boolean;
};

/** A registered user whose verification email has arrived, signed in. */
async function registered() {
  const user = await createUser();
  const token = await latestToken(user.email, VERIFY_SUBJECT);
  return { ...user, ...(await signIn(user)), verifyToken: token };
}

describe('verification email at registration', () => {
  it('sends one email with a link to APP_URL/verify-email carrying a 256-bit token', async () => {
    const user = await createUser();
    const messages = await waitForMail(user.email, VERIFY_SUBJECT);
    expect(messages).toHaveLength(1);
    const [mail] = messages;
    expect(mail).toMatchObject({ channel: 'email', to: user.email, subject: VERIFY_SUBJECT });
    const url = new URL(/https?:\/\/\S+/.exec(mail!.body)![0]);
    expect(`${url.origin}${url.pathname}`).toBe('http://localhost:3000/verify-email');
    expect(url.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mail!.body).toMatch(/24 hours/);
  });

  it('stores the token hashed, valid for 24 hours', async () => {
    const user = await registered();
    const row = await env.DB.prepare(
      `SELECT token_hash, expires_at, created_at FROM one_time_tokens
       WHERE user_id = ? AND purpose = 'email_verification'`,
    )
      .bind(user.id)
      .first<{ token_hash: string; expires_at: number; created_at: number }>();
    expect(row).not.toBeNull();
    expect(row!.token_hash).not.toBe(user.verifyToken);
    expect(row!.token_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(row!.expires_at - row!.created_at).toBe(24 * 3600 * 1000);
  });
});

describe('POST /auth/verify-email', () => {
  it('marks the email verified: /auth/me goes from false to true', async () => {
    const user = await registered();
    expect(await emailVerified(user.access_token)).toBe(false);

    const res = await verifyEmail(user.verifyToken);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ message: expect.any(String) });
    expect(res.text).not.toContain(user.verifyToken);

    expect(await emailVerified(user.access_token)).toBe(true);
  });

  it('is single use: the second redemption answers 401 INVALID_TOKEN', async () => {
    const user = await registered();
    expect((await verifyEmail(user.verifyToken)).status).toBe(200);
    expectError(await verifyEmail(user.verifyToken), 401, 'INVALID_TOKEN');
    expect(await emailVerified(user.access_token)).toBe(true);
  });

  it('refuses an expired token (24 hours) with 401 and leaves the email unverified', async () => {
    const user = await registered();
    await env.DB.prepare(
      `UPDATE one_time_tokens SET expires_at = ? WHERE user_id = ? AND purpose = 'email_verification'`,
    )
      .bind(Date.now() - 1000, user.id)
      .run();
    expectError(await verifyEmail(user.verifyToken), 401, 'INVALID_TOKEN');
    expect(await emailVerified(user.access_token)).toBe(false);
  });

  it('refuses an unknown token with 401 and a too-short one with 422', async () => {
    expectError(await verifyEmail('B'.repeat(43)), 401, 'INVALID_TOKEN');
    expectError(await verifyEmail('short'), 422, 'VALIDATION_ERROR');
  });

  it('refuses a password reset token: tokens are bound to their purpose', async () => {
    const user = await registered();
    await api('POST', '/auth/forgot-password', { json: { email: user.email } });
    const resetToken = await latestToken(user.email, RESET_SUBJECT);
    expectError(await verifyEmail(resetToken), 401, 'INVALID_TOKEN');
    expect(await emailVerified(user.access_token)).toBe(false);
  });
});

describe('POST /auth/resend-verification', () => {
  it('with a bearer token: 202 and a new email whose token works, while the older one no longer does', async () => {
    const user = await registered();
    const res = await api('POST', '/auth/resend-verification', { token: user.access_token });
    expect(res.status, res.text).toBe(202);

    const messages = await waitForMail(user.email, VERIFY_SUBJECT, 2);
    const newer = linkToken(messages[0]!);
    expect(newer).not.toBe(user.verifyToken);

    expectError(await verifyEmail(user.verifyToken), 401, 'INVALID_TOKEN');
    expect(await emailVerified(user.access_token)).toBe(false);
    expect((await verifyEmail(newer)).status).toBe(200);
    expect(await emailVerified(user.access_token)).toBe(true);
  });

  it('with {email}: 202 with the same body for a known and an unknown email; only the known one gets mail', async () => {
    const user = await registered();
    const nobody = uniqueEmail('nobody');
    const known = await settled('POST', '/auth/resend-verification', {
      json: { email: user.email },
    });
    const unknown = await settled('POST', '/auth/resend-verification', { json: { email: nobody } });

    expect(known.status, known.text).toBe(202);
    expect(unknown.status, unknown.text).toBe(202);
    expect(unknown.text).toBe(known.text);
    expect(await outbox(user.email, VERIFY_SUBJECT)).toHaveLength(2);
    expect(await outbox(nobody)).toEqual([]);
  });

  it('answers 422 without a bearer token or an email', async () => {
    expectError(
      await api('POST', '/auth/resend-verification', { json: {} }),
      422,
      'VALIDATION_ERROR',
    );
    expectError(await api('POST', '/auth/resend-verification'), 422, 'VALIDATION_ERROR');
  });

  it('answers 401 to an invalid or ended bearer token', async () => {
    const user = await registered();
    expectError(
      await api('POST', '/auth/resend-verification', { token: 'not-a-jwt' }),
      401,
      'INVALID_TOKEN',
    );
    expect((await api('POST', '/auth/logout', { token: user.access_token })).status).toBe(200);
    expectError(
      await api('POST', '/auth/resend-verification', { token: user.access_token }),
      401,
      'SESSION_REVOKED',
    );
  });

  it('is limited per account: the registration email counts, so 5 resends yield only 4 more emails', async () => {
    const user = await registered();
    for (let i = 0; i < 5; i++) {
      const res = await settled('POST', '/auth/resend-verification', {
        token: i % 2 ? user.access_token : undefined,
        json: i % 2 ? undefined : { email: user.email },
      });
      expect(res.status, res.text).toBe(202);
    }
    expect(await outbox(user.email, VERIFY_SUBJECT)).toHaveLength(5);
  });

  it('is limited per IP: 429 with Retry-After past RATE_LIMIT_RESEND_VERIFICATION, and no email', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const first = await api('POST', '/auth/resend-verification', {
      json: { email: uniqueEmail('nobody') },
      headers: { 'CF-Connecting-IP': ip },
    });
    expect(first.status, first.text).toBe(202);
    // The default rule (wrangler.toml): 100 per minute per address.
    expect(first.headers.get('X-RateLimit-Limit')).toBe('100');

    // A deployment with a low limit, from another address.
    const user = await registered();
    const low = { RATE_LIMIT_RESEND_VERIFICATION: env.TEST_RATE_LIMIT_3 };
    const headers = { 'CF-Connecting-IP': '192.0.2.150' };
    const resend = () =>
      apiWithEnv(low, 'POST', '/auth/resend-verification', {
        json: { email: user.email },
        headers,
      });
    for (let i = 0; i < 3; i++) expect((await resend()).status).toBe(202);
    const limited = await resend();
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
    // The registration email and the three allowed resends; the refused one sent nothing.
    expect(await outbox(user.email, VERIFY_SUBJECT)).toHaveLength(4);
    // Another address is unaffected.
    const other = await apiWithEnv(low, 'POST', '/auth/resend-verification', {
      json: { email: uniqueEmail('nobody') },
      headers: { 'CF-Connecting-IP': '192.0.2.151' },
    });
    expect(other.status, other.text).toBe(202);
  });

  it('sends nothing to an account whose email is already verified', async () => {
    const user = await registered();
    expect((await verifyEmail(user.verifyToken)).status).toBe(200);

    const byToken = await settled('POST', '/auth/resend-verification', {
      token: user.access_token,
    });
    const byEmail = await settled('POST', '/auth/resend-verification', {
      json: { email: user.email },
    });
    expect(byToken.status).toBe(202);
    expect(byEmail.status).toBe(202);
    expect(byEmail.text).toBe(byToken.text);
    expect(await outbox(user.email, VERIFY_SUBJECT)).toHaveLength(1);
  });
});
