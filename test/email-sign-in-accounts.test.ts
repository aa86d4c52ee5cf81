import { describe, expect, it } from 'vitest';
import {
  api,
  apiWithEnv,
  createUser,
  expectError,
  signIn,
  STRONG_PASSWORD,
  uniqueEmail,
} from './helpers';
import {
  createVerifiedMfaUser,
  emailSignIn,
  SIGN_IN_SUBJECT,
  verifyEmailSignIn,
} from './helpers-email-sign-in';
import { outbox, settled } from './helpers-mail';
import { ORIGIN, postForm as post } from './helpers-pages';

const APP = 'http://localhost:3000'; // APP_URL in development (scripts/dev-values.mjs)
const CLOSED = { SIGN_UP_OPEN: 'false' };

const refreshCookie = (headers: Headers) =>
  headers.getSetCookie().find((h) => h.startsWith('__Host-refresh='));

describe('email sign-in: create_account', () => {
  it('creates a verified account without a password for an unknown address while sign-up is open', async () => {
    const email = uniqueEmail('new');
    const { code } = await emailSignIn(email, { create_account: true });
    const res = await verifyEmailSignIn({ email, code });
    expect(res.status, res.text).toBe(200);
    const me = await api('GET', '/auth/me', { token: res.body.access_token });
    expect(me.status, me.text).toBe(200);
    expect(me.body.email).toBe(email);
    expect(me.body.email_verified).toBe(true);
    // No password matches the account; registering the address again is a conflict.
    expectError(
      await api('POST', '/auth/login', { json: { email, password: STRONG_PASSWORD } }),
      401,
      'INVALID_CREDENTIALS',
    );
    expectError(
      await api('POST', '/auth/register', { json: { email, password: STRONG_PASSWORD } }),
      409,
      'USER_EXISTS',
    );
  });

  it('sends nothing and creates nothing with sign-up closed; registration answers 403', async () => {
    const email = uniqueEmail('closed');
    const res = await apiWithEnv(CLOSED, 'POST', '/auth/email/start', {
      json: { email, create_account: true },
    });
    expect(res.status, res.text).toBe(202);
    expect(await outbox(email)).toHaveLength(0);
    const register = await apiWithEnv(CLOSED, 'POST', '/auth/register', {
      json: { email, password: STRONG_PASSWORD },
    });
    expectError(register, 403, 'SIGN_UP_CLOSED');
    const page = await apiWithEnv(CLOSED, 'POST', '/register', {
      body: new URLSearchParams({ email, password: STRONG_PASSWORD }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN },
    });
    expect(page.status).toBe(403);
    expect(page.text).toContain('does not take new sign-ups');
    // A known address still signs in by email with sign-up closed.
    const user = await createUser();
    const known = await apiWithEnv(CLOSED, 'POST', '/auth/email/start', {
      json: { email: user.email, create_account: true },
    });
    expect(known.status).toBe(202);
    expect(await outbox(user.email, SIGN_IN_SUBJECT)).toHaveLength(1);
  });

  it('without create_account an unknown address gets no email and no account', async () => {
    const email = uniqueEmail('nobody');
    expect((await settled('POST', '/auth/email/start', { json: { email } })).status).toBe(202);
    expect(await outbox(email)).toHaveLength(0);
    expectError(await verifyEmailSignIn({ email, code: '123456' }), 401, 'INVALID_CREDENTIALS');
  });

  it("the first proof of an unverified account's mailbox ends the first registrant's password and sessions", async () => {
    // Someone registered the victim's address with their own password and is signed in.
    const squatter = await createUser();
    const squatterTokens = await signIn(squatter);
    const { token } = await emailSignIn(squatter.email);
    const res = await verifyEmailSignIn({ token });
    expect(res.status, res.text).toBe(200);
    const squatterSession = await api('GET', '/auth/verify', {
      token: squatterTokens.access_token,
    });
    expect(squatterSession.status).toBe(401);
    expectError(
      await api('POST', '/auth/login', {
        json: { email: squatter.email, password: squatter.password },
      }),
      401,
      'INVALID_CREDENTIALS',
    );
    expect((await api('GET', '/auth/verify', { token: res.body.access_token })).status).toBe(200);
  });
});

describe('GET/POST /auth/email/confirm (hosted page)', () => {
  it('the GET shows a button and never uses the link; the POST signs in and goes to return_to', async () => {
    const user = await createUser();
    const returnTo = `${APP}/welcome`;
    const { token } = await emailSignIn(user.email, { return_to: returnTo });
    for (let i = 0; i < 2; i++) {
      const page = await api('GET', `/auth/email/confirm?token=${token}`);
      expect(page.status, page.text).toBe(200);
      expect(page.headers.get('Content-Type')).toMatch(/^text\/html/);
      expect(page.headers.get('Content-Security-Policy')).toContain("default-src 'none'");
      expect(page.text).toContain('action="/auth/email/confirm"');
      expect(page.text).toContain(`name="token" value="${token}"`);
      expect(refreshCookie(page.headers)).toBeUndefined();
    }
    const res = await post('/auth/email/confirm', { token });
    expect(res.status, res.text).toBe(303);
    expect(res.headers.get('Location')).toBe(returnTo);
    expect(refreshCookie(res.headers)).toMatch(/HttpOnly/);
    const again = await post('/auth/email/confirm', { token });
    expect(again.status).toBe(401);
    expect(refreshCookie(again.headers)).toBeUndefined();
    const spent = await api('GET', `/auth/email/confirm?token=${token}`);
    expect(spent.status).toBe(401);
    expect(spent.text).not.toContain('name="token"');
  });

  it('does not follow a return_to on a foreign origin', async () => {
    const user = await createUser();
    const { token } = await emailSignIn(user.email, { return_to: 'https://evil.example/steal' });
    const res = await post('/auth/email/confirm', { token });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('Location')).toBeNull();
    expect(res.text).toContain('You are signed in');
    expect(refreshCookie(res.headers)).toBeDefined();
  });

  it('refuses a cross-site post and leaves the link usable', async () => {
    const user = await createUser();
    const { token } = await emailSignIn(user.email);
    const res = await post('/auth/email/confirm', { token }, { Origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(refreshCookie(res.headers)).toBeUndefined();
    expect((await post('/auth/email/confirm', { token })).status).toBe(200);
  });

  it('answers the MFA step page for an account with a second factor', async () => {
    const user = await createVerifiedMfaUser();
    const { token } = await emailSignIn(user.email);
    const res = await post('/auth/email/confirm', { token });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toMatch(/name="mfa_token" value="mfa\./);
    expect(res.text).toContain('action="/login/mfa"');
    expect(refreshCookie(res.headers)).toBeUndefined();
  });

  it('parallel posts of one link sign in once', async () => {
    const user = await createUser();
    const { token } = await emailSignIn(user.email);
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => post('/auth/email/confirm', { token })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, 401, 401]);
    expect(answers.filter((r) => refreshCookie(r.headers))).toHaveLength(1);
  });

  it('a link without a token is a 400 page', async () => {
    const res = await api('GET', '/auth/email/confirm');
    expect(res.status).toBe(400);
    expect(res.text).toContain('incomplete');
  });
});
