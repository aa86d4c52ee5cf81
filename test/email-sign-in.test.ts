import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { api, apiWithEnv, createUser, env, expectError, uniqueEmail } from './helpers';
import {
  ageEmailSignIn,
  createVerifiedMfaUser,
  emailSignIn,
  SIGN_IN_SUBJECT,
  startEmail,
  verifyEmailSignIn,
} from './helpers-email-sign-in';
import { outbox, settled, testIp } from './helpers-mail';
import { stableStep, totpAt } from './helpers-mfa';

const expectSignedIn = (res: { status: number; text: string; body: any }) => {
  expect(res.status, res.text).toBe(200);
  expect(res.body).toMatchObject({ token_type: 'bearer', refresh_token: expect.any(String) });
  expect(decodeJwt(res.body.access_token).amr).toEqual(['email']);
};

describe('POST /auth/email/start', () => {
  it('answers the same 202 for a known and an unknown address, and mails only the known one', async () => {
    const user = await createUser();
    const nobody = uniqueEmail('nobody');
    const known = await settled('POST', '/auth/email/start', { json: { email: user.email } });
    const unknown = await settled('POST', '/auth/email/start', { json: { email: nobody } });
    expect(known.status, known.text).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.text).toBe(known.text);
    const mails = await outbox(user.email, SIGN_IN_SUBJECT);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.body).toMatch(/\/auth\/email\/confirm\?token=[A-Za-z0-9_-]{40,}/);
    expect(mails[0]!.body).toMatch(/code[^\n]*: \d{6}\n/);
    expect(await outbox(nobody)).toHaveLength(0);
  });

  it('refuses unknown fields and a bad address with 422', async () => {
    expectError(await startEmail('not-an-email'), 422, 'INVALID_EMAIL');
    const res = await api('POST', '/auth/email/start', {
      json: { email: uniqueEmail(), email_verified: true },
    });
    expectError(res, 422, 'VALIDATION_ERROR');
  });

  it('sends at most NOTIFY_LIMIT_PER_ACCOUNT (5) emails per address; the answer stays 202', async () => {
    const user = await createUser();
    for (let i = 0; i < 6; i++) {
      const res = await settled('POST', '/auth/email/start', { json: { email: user.email } });
      expect(res.status).toBe(202);
    }
    expect(await outbox(user.email, SIGN_IN_SUBJECT)).toHaveLength(5);
  });

  it('is limited per IP with the forgot-password rule: 429 with Retry-After', async () => {
    const low = { RATE_LIMIT_FORGOT_PASSWORD: env.TEST_RATE_LIMIT_3 };
    const headers = { 'CF-Connecting-IP': testIp() };
    const start = () =>
      apiWithEnv(low, 'POST', '/auth/email/start', { json: { email: uniqueEmail() }, headers });
    for (let i = 0; i < 3; i++) expect((await start()).status).toBe(202);
    const limited = await start();
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
  });
});

describe('POST /auth/email/verify', () => {
  it('the code signs in once with amr ["email"]; the same email\'s link is then spent too', async () => {
    const user = await createUser();
    const { token, code } = await emailSignIn(user.email);
    const res = await verifyEmailSignIn({ email: user.email, code });
    expectSignedIn(res);
    expect(res.headers.get('Cache-Control')).toContain('no-store');
    const verified = await api('GET', '/auth/verify', { token: res.body.access_token });
    expect(verified.status).toBe(200);
    expectError(await verifyEmailSignIn({ email: user.email, code }), 401, 'INVALID_CREDENTIALS');
    expectError(await verifyEmailSignIn({ token }), 401, 'INVALID_TOKEN');
  });

  it('the link token signs in once', async () => {
    const user = await createUser();
    const { token } = await emailSignIn(user.email);
    expectSignedIn(await verifyEmailSignIn({ token }));
    expectError(await verifyEmailSignIn({ token }), 401, 'INVALID_TOKEN');
  });

  it('a new start replaces the previous link and code', async () => {
    const user = await createUser();
    const first = await emailSignIn(user.email);
    const second = await emailSignIn(user.email, {}, 2);
    expect(second.token).not.toBe(first.token);
    expectError(await verifyEmailSignIn({ token: first.token }), 401, 'INVALID_TOKEN');
    if (first.code !== second.code) {
      const old = await verifyEmailSignIn({ email: user.email, code: first.code });
      expectError(old, 401, 'INVALID_CREDENTIALS');
    }
    expectSignedIn(await verifyEmailSignIn({ email: user.email, code: second.code }));
  });

  it('an expired link or code answers 401', async () => {
    const user = await createUser();
    const { token, code } = await emailSignIn(user.email);
    await ageEmailSignIn(user.email, 16);
    expectError(await verifyEmailSignIn({ token }), 401, 'INVALID_TOKEN');
    expectError(await verifyEmailSignIn({ email: user.email, code }), 401, 'INVALID_CREDENTIALS');
  });

  it('two parallel uses of one code, or of one link, let exactly one in', async () => {
    const user = await createUser();
    const { code } = await emailSignIn(user.email);
    const byCode = await Promise.all(
      Array.from({ length: 4 }, () => verifyEmailSignIn({ email: user.email, code })),
    );
    expect(byCode.map((r) => r.status).sort()).toEqual([200, 401, 401, 401]);

    const other = await createUser();
    const { token } = await emailSignIn(other.email);
    const byLink = await Promise.all(Array.from({ length: 4 }, () => verifyEmailSignIn({ token })));
    expect(byLink.map((r) => r.status).sort()).toEqual([200, 401, 401, 401]);
  });

  it('a wrong code is 401 and counts toward the lockout: after 5 the right code is 423', async () => {
    const user = await createUser();
    const { code, token } = await emailSignIn(user.email);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      expectError(
        await verifyEmailSignIn({ email: user.email, code: wrong }),
        401,
        'INVALID_CREDENTIALS',
      );
    }
    const locked = await verifyEmailSignIn({ email: user.email, code });
    expectError(locked, 423, 'ACCOUNT_LOCKED');
    expect(Number(locked.headers.get('Retry-After'))).toBeGreaterThan(0);
    // The password is refused too: the same lockout.
    expectError(
      await api('POST', '/auth/login', { json: { email: user.email, password: user.password } }),
      423,
      'ACCOUNT_LOCKED',
    );
    // The link proves the mailbox, as a reset link does: it still signs in, and unlocks.
    expectSignedIn(await verifyEmailSignIn({ token }));
    // The lock is gone: a fresh code signs in.
    const fresh = await emailSignIn(user.email, {}, 2);
    expectSignedIn(await verifyEmailSignIn({ email: user.email, code: fresh.code }));
  });

  it('allows 5 wrong codes per email: then even the right code is refused until a new start', async () => {
    const lenient = { LOGIN_MAX_FAILURES: '50' };
    const user = await createUser();
    const { code } = await emailSignIn(user.email);
    const wrong = code === '000000' ? '111111' : '000000';
    const verify = (c: string) =>
      apiWithEnv(lenient, 'POST', '/auth/email/verify', { json: { email: user.email, code: c } });
    for (let i = 0; i < 4; i++) expectError(await verify(wrong), 401, 'INVALID_CREDENTIALS');
    expectError(await verify(wrong), 401, 'INVALID_CREDENTIALS');
    expectError(await verify(code), 401, 'INVALID_CREDENTIALS');
    const fresh = await emailSignIn(user.email, {}, 2);
    expectSignedIn(await verify(fresh.code));
  });

  it('a code for an address without an account is the same 401 as a wrong code', async () => {
    const res = await verifyEmailSignIn({ email: uniqueEmail('nobody'), code: '123456' });
    const wrong = await verifyEmailSignIn({ email: (await createUser()).email, code: '123456' });
    expectError(res, 401, 'INVALID_CREDENTIALS');
    expect(res.body.detail).toBe(wrong.body.detail);
  });

  it('refuses a body that is neither {token} nor {email, code} with 422', async () => {
    const email = uniqueEmail();
    expectError(await verifyEmailSignIn({ email, code: '12345' }), 422, 'VALIDATION_ERROR');
    const both = await api('POST', '/auth/email/verify', {
      json: { token: 'a'.repeat(43), email, code: '123456' },
    });
    expectError(both, 422, 'VALIDATION_ERROR');
  });

  it('an account with a second factor gets the MFA step, which then signs in', async () => {
    const user = await createVerifiedMfaUser();
    const { code } = await emailSignIn(user.email);
    const res = await verifyEmailSignIn({ email: user.email, code });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ mfa_required: true, expires_in: 300 });
    expect(res.body).not.toHaveProperty('access_token');
    expect(res.body.methods).toEqual([{ method_id: user.methodId, type: 'totp' }]);
    const step = await stableStep();
    const mfa = await api('POST', '/mfa/verify', {
      json: {
        mfa_token: res.body.mfa_token,
        code: await totpAt(user.secret, Math.max(step, user.enrolledStep) + 1),
      },
    });
    expect(mfa.status, mfa.text).toBe(200);
    // The mailbox, then the code: no password was checked, so no `pwd`.
    expect(decodeJwt(mfa.body.access_token).amr).toEqual(['email', 'otp']);
  });

  it('?transport=cookie sets the refresh cookie and leaves it out of the body', async () => {
    const user = await createUser();
    const { token } = await emailSignIn(user.email);
    const res = await verifyEmailSignIn({ token }, '?transport=cookie', {
      'X-CSRF-Protection': '1',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).not.toHaveProperty('refresh_token');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('__Host-refresh='))).toBe(true);
    const other = await createUser();
    const again = await emailSignIn(other.email);
    const noHeader = await verifyEmailSignIn({ token: again.token }, '?transport=cookie');
    expectError(noHeader, 403, 'CSRF_REJECTED');
  });
});
