import { describe, expect, it } from 'vitest';
import {
  api,
  apiWithEnv,
  createUser,
  env,
  expectError,
  signIn,
  STRONG_PASSWORD,
  uniqueEmail,
} from './helpers';
import { expectAllRevoked, verifyStatus, waitForActions } from './helpers-admin';
import { addPasskey, signInWithPasskey } from './helpers-webauthn';
import {
  downEmail,
  latestToken,
  outbox,
  providerCalls,
  RESET_SUBJECT,
  settled,
  VERIFY_SUBJECT,
  waitForMail,
} from './helpers-mail';
import { base32Decode, stableStep, totpAt } from './helpers-mfa';
import { adminGrantStatements } from '../scripts/admin-grant.mjs';

const NEW_PASSWORD = 'Cobalt-Heron-77';

const forgot = (email: string) => api('POST', '/auth/forgot-password', { json: { email } });
const reset = (token: string, newPassword = NEW_PASSWORD) =>
  api('POST', '/auth/reset-password', { json: { token, new_password: newPassword } });
const login = (email: string, password: string) =>
  api('POST', '/auth/login', { json: { email, password } });

/** Requests a reset for the user and returns the token of the newest link that arrives. */
async function resetToken(user: { email: string }, expected = 1) {
  const res = await forgot(user.email);
  expect(res.status, res.text).toBe(202);
  return latestToken(user.email, RESET_SUBJECT, expected);
}

const base64urlSha256 = async (text: string) => {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)),
  );
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
};

const resetRows = (userId: string) =>
  env.DB.prepare(
    `SELECT token_hash, expires_at, created_at, used_at FROM one_time_tokens
     WHERE user_id = ? AND purpose = 'password_reset'`,
  )
    .bind(userId)
    .all<{ token_hash: string; expires_at: number; created_at: number; used_at: number | null }>()
    .then((r) => r.results);

describe('POST /auth/forgot-password', () => {
  it('answers 202 with the identical body for a known email, an unknown email and a failing provider', async () => {
    const known = await createUser();
    const down = await createUser({ email: downEmail() });
    const failing = {
      EMAIL_PROVIDER: 'resend',
      RESEND_API_KEY: 'test-key',
    };

    const answers = [
      await forgot(known.email),
      await forgot(uniqueEmail('nobody')),
      await apiWithEnv(failing, 'POST', '/auth/forgot-password', { json: { email: down.email } }),
    ];

    for (const res of answers) {
      expect(res.status, res.text).toBe(202);
      expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    }
    expect(answers[0]!.body).toEqual({ message: expect.any(String) });
    expect(answers[1]!.text).toBe(answers[0]!.text);
    expect(answers[2]!.text).toBe(answers[0]!.text);

    // The provider really was called and really failed (apiWithEnv waited for the send).
    const calls = await providerCalls(down.email);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ provider: 'resend', subject: RESET_SUBJECT, status: 503 });
    await waitForMail(known.email, RESET_SUBJECT);
  });

  it('sends no email for an unknown address', async () => {
    const nobody = uniqueEmail('nobody');
    expect(
      (await settled('POST', '/auth/forgot-password', { json: { email: nobody } })).status,
    ).toBe(202);
    expect(await outbox(nobody)).toEqual([]);
  });

  it('emails a link to APP_URL/reset-password carrying a 256-bit base64url token', async () => {
    const user = await createUser();
    expect((await forgot(user.email)).status).toBe(202);
    const [mail] = await waitForMail(user.email, RESET_SUBJECT);
    expect(mail).toMatchObject({ channel: 'email', to: user.email, subject: RESET_SUBJECT });
    const link = /https?:\/\/\S+/.exec(mail!.body)?.[0];
    expect(link).toBeDefined();
    const url = new URL(link!);
    expect(`${url.origin}${url.pathname}`).toBe('http://localhost:3000/reset-password');
    const token = url.searchParams.get('token');
    // ≥ 128 bits (security.md): base64url of 32 random bytes is 43 characters.
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mail!.body).toMatch(/30 minutes/);
  });

  it('finds the account whatever the case of the address, and mails the stored address', async () => {
    const user = await createUser();
    const res = await forgot(`  ${user.email.toUpperCase()} `);
    expect(res.status, res.text).toBe(202);
    const [mail] = await waitForMail(user.email, RESET_SUBJECT);
    expect(mail!.to).toBe(user.email);
  });

  it('stores only the SHA-256 of the token, valid for 30 minutes', async () => {
    const user = await createUser();
    const token = await resetToken(user);
    const rows = await resetRows(user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(await base64urlSha256(token));
    expect(rows[0]!.token_hash).not.toContain(token);
    expect(rows[0]!.expires_at - rows[0]!.created_at).toBe(30 * 60 * 1000);
    expect(rows[0]!.used_at).toBeNull();
  });

  it('answers 202 but sends no 6th email to one account within the hour (NOTIFY_LIMIT_PER_ACCOUNT 5/3600)', async () => {
    const user = await createUser();
    for (let i = 0; i < 6; i++) {
      const res = await settled('POST', '/auth/forgot-password', { json: { email: user.email } });
      expect(res.status, res.text).toBe(202);
    }
    // settled() returned only after each request's sends had finished: the count is final.
    expect(await outbox(user.email, RESET_SUBJECT)).toHaveLength(5);
    // The limit is per account: another account is not affected.
    const other = await createUser();
    await settled('POST', '/auth/forgot-password', { json: { email: other.email } });
    expect(await outbox(other.email, RESET_SUBJECT)).toHaveLength(1);
  });

  it('never puts the token in a response', async () => {
    const user = await createUser();
    const res = await forgot(user.email);
    const token = await latestToken(user.email, RESET_SUBJECT);
    expect(res.text).not.toContain(token);
    const used = await reset(token);
    expect(used.text).not.toContain(token);
    const replay = await reset(token);
    expect(replay.text).not.toContain(token);
  });

  it('answers 422 to a malformed email and 415 to a non-JSON body', async () => {
    expectError(
      await api('POST', '/auth/forgot-password', { json: { email: 'not-an-email' } }),
      422,
      'INVALID_EMAIL',
    );
    expectError(
      await api('POST', '/auth/forgot-password', {
        body: 'email=a@example.com',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });
});

describe('POST /auth/reset-password', () => {
  it('changes the password: 200 without tokens, the old password fails and the new one works', async () => {
    const user = await createUser();
    const token = await resetToken(user);

    const res = await reset(token);
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(res.body)).toEqual(['message']);
    expect(res.text).not.toMatch(/access_token|refresh_token|eyJ/);

    expectError(await login(user.email, user.password), 401, 'INVALID_CREDENTIALS');
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
  });

  it('ends every session: access tokens from before fail verify, refresh tokens fail', async () => {
    const user = await createUser();
    const sessions = [await signIn(user), await signIn(user), await signIn(user)];
    const token = await resetToken(user);

    expect((await reset(token)).status).toBe(200);

    await expectAllRevoked(sessions.map((s) => s.access_token));
    for (const s of sessions) {
      const res = await api('POST', '/auth/refresh', { json: { refresh_token: s.refresh_token } });
      expect(res.status, res.text).toBe(401);
    }
  });

  it('is single use: the second redemption answers 401 INVALID_TOKEN and changes nothing', async () => {
    const user = await createUser();
    const token = await resetToken(user);
    expect((await reset(token)).status).toBe(200);
    expectError(await reset(token, 'Another-Strong-99'), 401, 'INVALID_TOKEN');
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
    expectError(await login(user.email, 'Another-Strong-99'), 401, 'INVALID_CREDENTIALS');
  });

  it('kills an older link when a newer one is requested: the first fails, the second works', async () => {
    const user = await createUser();
    const first = await resetToken(user, 1);
    const second = await resetToken(user, 2);
    expect(second).not.toBe(first);

    expectError(await reset(first), 401, 'INVALID_TOKEN');
    const res = await reset(second);
    expect(res.status, res.text).toBe(200);
  });

  it('kills an outstanding link when the password is changed', async () => {
    const user = await createUser();
    const { access_token } = await signIn(user);
    const token = await resetToken(user);

    const changed = await api('POST', '/auth/change-password', {
      token: access_token,
      json: { current_password: user.password, new_password: 'Changed-Lynx-58' },
    });
    expect(changed.status, changed.text).toBe(200);

    expectError(await reset(token), 401, 'INVALID_TOKEN');
    expect((await login(user.email, 'Changed-Lynx-58')).status).toBe(200);
  });

  it('refuses a weak password with 422 WEAK_PASSWORD without using the token up', async () => {
    const user = await createUser();
    const token = await resetToken(user);
    for (const weak of ['short1A', 'alllowercase1', 'password', user.email.split('@')[0]!]) {
      const res = await reset(token, weak);
      expectError(res, 422, 'WEAK_PASSWORD');
    }
    expect((await login(user.email, user.password)).status).toBe(200);
    expect((await reset(token)).status).toBe(200);
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
  });

  it('works while the account is locked, and clears the lock', async () => {
    const user = await createUser();
    for (let i = 0; i < 5; i++)
      expectError(await login(user.email, 'Wrong-Password-1'), 401, 'INVALID_CREDENTIALS');
    expectError(await login(user.email, user.password), 423, 'ACCOUNT_LOCKED');

    const token = await resetToken(user);
    const res = await reset(token);
    expect(res.status, res.text).toBe(200);

    const after = await login(user.email, NEW_PASSWORD);
    expect(after.status, after.text).toBe(200);
  });

  it('lets exactly one of 5 concurrent redemptions of one token win, and applies only its password', async () => {
    const user = await createUser();
    const token = await resetToken(user);
    const passwords = Array.from({ length: 5 }, (_, i) => `Parallel-Kestrel-${i}${i}`);

    const results = await Promise.all(passwords.map((p) => reset(token, p)));

    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expectError(r, 401, 'INVALID_TOKEN');
    const winner = passwords[statuses.indexOf(200)]!;
    expect((await login(user.email, winner)).status).toBe(200);
    for (const loser of passwords.filter((p) => p !== winner))
      expectError(await login(user.email, loser), 401, 'INVALID_CREDENTIALS');
  });

  it('refuses an expired token with 401 INVALID_TOKEN', async () => {
    const user = await createUser();
    const token = await resetToken(user);
    await env.DB.prepare(
      `UPDATE one_time_tokens SET expires_at = ? WHERE user_id = ? AND purpose = 'password_reset'`,
    )
      .bind(Date.now() - 1000, user.id)
      .run();
    expectError(await reset(token), 401, 'INVALID_TOKEN');
    expect((await login(user.email, user.password)).status).toBe(200);
  });

  it('refuses an unknown token with 401 INVALID_TOKEN', async () => {
    expectError(await reset('A'.repeat(43)), 401, 'INVALID_TOKEN');
    expectError(await reset(crypto.randomUUID().replace(/-/g, '')), 401, 'INVALID_TOKEN');
  });

  it('refuses an email verification token: tokens are bound to their purpose', async () => {
    const user = await createUser();
    const verification = await latestToken(user.email, VERIFY_SUBJECT);
    expectError(await reset(verification), 401, 'INVALID_TOKEN');
    expect((await login(user.email, user.password)).status).toBe(200);
  });

  it('answers 422 to a missing field and to unknown fields', async () => {
    const user = await createUser();
    const token = await resetToken(user);
    expectError(
      await api('POST', '/auth/reset-password', { json: { token } }),
      422,
      'VALIDATION_ERROR',
    );
    expectError(
      await api('POST', '/auth/reset-password', {
        json: { token, new_password: NEW_PASSWORD, email: user.email },
      }),
      422,
      'VALIDATION_ERROR',
    );
    expect((await reset(token)).status).toBe(200);
  });

  it('records password_reset in the activity log', async () => {
    const user = await createUser();
    const token = await resetToken(user);
    expect((await reset(token)).status).toBe(200);
    const { access_token } = await signIn({ email: user.email, password: NEW_PASSWORD });
    const items = await waitForActions(user.id, access_token, ['password_reset']);
    expect(JSON.stringify(items)).not.toContain(token);
  });
});

describe('sessions after a reset', () => {
  it('a session started after the reset works; the ones before stay ended', async () => {
    const user = await createUser({ password: STRONG_PASSWORD });
    const before = await signIn(user);
    expect((await reset(await resetToken(user))).status).toBe(200);
    const after = await signIn({ email: user.email, password: NEW_PASSWORD });
    expect(await verifyStatus(after.access_token)).toBe(200);
    expect(await verifyStatus(before.access_token)).toBe(401);
  });
});

/** Enrols TOTP on a signed-in account; returns the method id. */
async function enrolTotp(accessToken: string) {
  const setup = await api('POST', '/mfa/setup', { token: accessToken, json: { type: 'totp' } });
  expect(setup.status, setup.text).toBe(201);
  const code = await totpAt(base32Decode(setup.body.secret), await stableStep());
  const json = { method_id: setup.body.method_id, code };
  const confirmed = await api('POST', '/mfa/verify', { token: accessToken, json });
  expect(confirmed.status, confirmed.text).toBe(200);
  return setup.body.method_id as string;
}

const factorRows = async (userId: string) => {
  const methods = await env.DB.prepare('SELECT id FROM mfa_methods WHERE user_id = ?')
    .bind(userId)
    .all();
  const codes = await env.DB.prepare('SELECT id FROM mfa_backup_codes WHERE user_id = ?')
    .bind(userId)
    .all();
  return methods.results.length + codes.results.length;
};

const verifiedAt = (userId: string) =>
  env.DB.prepare('SELECT email_verified_at AS at FROM users WHERE id = ?')
    .bind(userId)
    .first<{ at: number | null }>()
    .then((row) => row?.at ?? null);

describe('a reset as the first proof of the mailbox (issue 20 High)', () => {
  it("clears a squatter's second factor and verifies the address: the owner signs in without an MFA step", async () => {
    const email = uniqueEmail('victim');
    const attacker = await createUser({ email, password: 'Attacker-Chosen-9' });
    const session = await signIn(attacker);
    await enrolTotp(session.access_token);
    expect(await factorRows(attacker.id)).toBeGreaterThan(0);
    expect(await verifiedAt(attacker.id)).toBeNull();

    // The address's owner asks for a link and sets a password.
    expect((await reset(await resetToken({ email }))).status).toBe(200);
    const owner = await login(email, NEW_PASSWORD);
    expect(owner.status, owner.text).toBe(200);
    expect(owner.body.mfa_required).toBeUndefined();
    expect(owner.body.access_token).toEqual(expect.any(String));
    expect(await factorRows(attacker.id)).toBe(0);
    expect(await verifiedAt(attacker.id)).not.toBeNull();
    expect(await verifyStatus(session.access_token)).toBe(401);
    const methods = await api('GET', '/mfa/methods', { token: owner.body.access_token });
    expect(methods.body.methods).toEqual([]);
  });

  it("clears a squatter's passkeys in the same batch: they no longer sign in", async () => {
    const email = uniqueEmail('victim');
    const attacker = await createUser({ email, password: 'Attacker-Chosen-9' });
    const session = await signIn(attacker);
    const { authenticator } = await addPasskey(session.access_token);
    expect((await signInWithPasskey(authenticator)).status).toBe(200);

    expect((await reset(await resetToken({ email }))).status).toBe(200);
    const rows = await env.DB.prepare('SELECT id FROM passkeys WHERE user_id = ?')
      .bind(attacker.id)
      .all();
    expect(rows.results).toEqual([]);
    expectError(await signInWithPasskey(authenticator), 401, 'PASSKEY_REJECTED');
  });

  it('keeps the factors of an account whose address was already verified', async () => {
    const user = await createUser();
    const link = await latestToken(user.email, VERIFY_SUBJECT);
    expect((await api('POST', '/auth/verify-email', { json: { token: link } })).status).toBe(200);
    await enrolTotp((await signIn(user)).access_token);
    expect((await reset(await resetToken(user))).status).toBe(200);
    const again = await login(user.email, NEW_PASSWORD);
    expect(again.status, again.text).toBe(200);
    expect(again.body.mfa_required).toBe(true);
    expect(await factorRows(user.id)).toBeGreaterThan(0);
  });
});

describe('reset links and later resets', () => {
  it("a reset link issued before an operator's grant is redeemed is dead afterwards", async () => {
    const user = await createUser();
    const link = await resetToken(user);
    const { token, statements } = await adminGrantStatements(user.email);
    await env.DB.batch(statements.map((sql) => env.DB.prepare(sql)));
    expect((await reset(token, 'Granted-Owner-Pass-5')).status).toBe(200);
    expectError(await reset(link), 401, 'INVALID_TOKEN');
    expect((await login(user.email, 'Granted-Owner-Pass-5')).status).toBe(200);
  });
});
