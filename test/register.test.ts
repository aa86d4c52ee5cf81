import { describe, expect, it } from 'vitest';
import {
  api,
  createUser,
  env,
  expectError,
  median,
  PRODUCTION_HASHING,
  signIn,
  STRONG_PASSWORD,
  testHasher,
  uniqueEmail,
  useVarsForThisFile,
} from './helpers';
import { hashPassword } from '../src/lib/password';

// This file checks the stored hash and its production parameters.
useVarsForThisFile(PRODUCTION_HASHING);

const register = (json: Record<string, unknown>) => api('POST', '/auth/register', { json });

/** A username nobody else in this file uses (3-32 of [a-z0-9_.-]). */
const uniqueUsername = () => `u_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;

const userRow = (email: string) =>
  env.DB.prepare('SELECT id, email, status, email_verified_at FROM users WHERE email = ?')
    .bind(email)
    .first<{ id: string; email: string; status: string; email_verified_at: number | null }>();

/** Asserts a 422 WEAK_PASSWORD with at least one error on the password field. */
function expectWeak(res: Awaited<ReturnType<typeof register>>) {
  const body = expectError(res, 422, 'WEAK_PASSWORD');
  expect(body.errors).toEqual(
    expect.arrayContaining([{ field: 'password', message: expect.any(String) }]),
  );
  for (const e of body.errors) expect(e.field).toBe('password');
  return body;
}

describe('POST /auth/register', () => {
  it('answers 201 with the user id, the canonical email and a message', async () => {
    const email = uniqueEmail('reg');
    const res = await register({ email, password: STRONG_PASSWORD });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      user_id: expect.stringMatching(/\S/),
      email,
      message: expect.any(String),
    });
    expect(res.text).not.toContain(STRONG_PASSWORD);
    expect(res.text).not.toContain('pbkdf2');
    const row = await userRow(email);
    expect(row?.id).toBe(res.body.user_id);
  });

  it('stores only a peppered PBKDF2 hash, never the password', async () => {
    const { email } = await createUser();
    const row = await env.DB.prepare('SELECT password_hash FROM users WHERE email = ?')
      .bind(email)
      .first<{ password_hash: string }>();
    expect(row!.password_hash).toMatch(/^\$pbkdf2-sha256\$i=100000\$[\w-]+\$[\w-]+$/);
    expect(row!.password_hash).not.toContain(STRONG_PASSWORD);
  });

  it('accepts optional names and username and returns them in the profile', async () => {
    const email = uniqueEmail('named');
    const username = uniqueUsername();
    const res = await register({
      email,
      password: STRONG_PASSWORD,
      first_name: 'Ada',
      last_name: 'Lovelace',
      username,
    });
    expect(res.status, res.text).toBe(201);
    const { access_token } = await signIn({ email, password: STRONG_PASSWORD });
    const profile = await api('GET', '/auth/profile', { token: access_token });
    expect(profile.body).toMatchObject({ first_name: 'Ada', last_name: 'Lovelace', username });
  });

  describe('email canonical form', () => {
    it('trims and lower-cases the email, so case variants are the same account', async () => {
      const lower = uniqueEmail('case');
      const mixed = `${lower[0]!.toUpperCase()}${lower.slice(1, lower.indexOf('@'))}@EXAMPLE.com `;
      const first = await register({ email: mixed, password: STRONG_PASSWORD });
      expect(first.status, first.text).toBe(201);
      expect(first.body.email).toBe(lower);

      const again = await register({ email: lower, password: STRONG_PASSWORD });
      expectError(again, 409, 'USER_EXISTS');
      const upper = await register({
        email: `  ${lower.toUpperCase()}`,
        password: 'Other-Pass-99',
      });
      expectError(upper, 409, 'USER_EXISTS');

      await signIn({ email: lower, password: STRONG_PASSWORD });
      await signIn({ email: mixed, password: STRONG_PASSWORD });
      await signIn({ email: lower.toUpperCase(), password: STRONG_PASSWORD });
    });

    it('applies NFKC, so a full-width address is the same account as its ASCII form', async () => {
      const lower = uniqueEmail('nfkc');
      const [local, domain] = lower.split('@') as [string, string];
      // U+FF21.. are full-width Latin capitals: NFKC maps them to ASCII.
      const fullWidthDomain = [...domain]
        .map((ch) =>
          /[a-z]/.test(ch) ? String.fromCodePoint(ch.toUpperCase().codePointAt(0)! + 0xfee0) : ch,
        )
        .join('');
      const first = await register({
        email: `${local}@${fullWidthDomain}`,
        password: STRONG_PASSWORD,
      });
      expect(first.status, first.text).toBe(201);
      expect(first.body.email).toBe(lower);
      expectError(await register({ email: lower, password: STRONG_PASSWORD }), 409, 'USER_EXISTS');
    });
  });

  it('answers 409 USER_EXISTS to a duplicate and keeps the first password', async () => {
    const user = await createUser();
    const res = await register({ email: user.email, password: 'Different-Pass-77' });
    expectError(res, 409, 'USER_EXISTS');
    await signIn(user);
    const other = await api('POST', '/auth/login', {
      json: { email: user.email, password: 'Different-Pass-77' },
    });
    expectError(other, 401, 'INVALID_CREDENTIALS');
  });

  it('creates exactly one account when the same email registers concurrently', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(
      Array.from({ length: 4 }, () => register({ email, password: STRONG_PASSWORD })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409]);
    for (const r of results.filter((r) => r.status === 409)) expectError(r, 409, 'USER_EXISTS');
    const { results: rows } = await env.DB.prepare('SELECT id FROM users WHERE email = ?')
      .bind(email)
      .all();
    expect(rows).toHaveLength(1);
  });

  describe('password policy', () => {
    const cases: [string, string][] = [
      ['shorter than 8 characters', 'Ab1-xyz'],
      ['without a digit', 'No-Digits-Here'],
      ['without an upper-case letter', 'no-upper-case-42'],
      ['without a lower-case letter', 'NO-LOWER-CASE-42'],
      // "password1" is on the common-password list; capitalising it passes composition.
      ['on the common-password list (Password1)', 'Password1'],
      ['on the common-password list (Password123)', 'Password123'],
      ['on the common-password list (Qwerty123)', 'Qwerty123'],
    ];
    for (const [name, password] of cases) {
      it(`refuses a password ${name} with 422 WEAK_PASSWORD`, async () => {
        const email = uniqueEmail('weak');
        expectWeak(await register({ email, password }));
        expect(await userRow(email)).toBeNull();
      });
    }

    it('refuses a password that contains the email local part', async () => {
      const email = uniqueEmail('zebracorn');
      const local = email.split('@')[0]!;
      expectWeak(await register({ email, password: `X${local.toUpperCase()}9x` }));
      expectWeak(await register({ email, password: `Xx9${local}` }));
      expect(await userRow(email)).toBeNull();
    });

    it('lists every failed rule', async () => {
      const body = expectWeak(await register({ email: uniqueEmail(), password: 'abc' }));
      expect(body.errors.length).toBeGreaterThanOrEqual(3); // short, no upper, no digit
    });

    it('counts length in code points: 1,024 emoji are accepted, 1,025 refused', async () => {
      const prefix = 'Aa1';
      const ok = `${prefix}${'😀'.repeat(1021)}`; // 1,024 code points, 2,045 UTF-16 units
      const res = await register({ email: uniqueEmail('emoji'), password: ok });
      expect(res.status, res.text).toBe(201);
      expectWeak(await register({ email: uniqueEmail('emoji'), password: `${ok}😀` }));
    });

    it('never truncates a long password: a 1,024-character password must match in full', async () => {
      const password = `Aa1-${'x'.repeat(1020)}`;
      const user = await createUser({ password });
      await signIn(user);
      const truncated = await api('POST', '/auth/login', {
        json: { email: user.email, password: password.slice(0, 1000) },
      });
      expectError(truncated, 401, 'INVALID_CREDENTIALS');
    });

    it('refuses over 1,024 code points with 422 before hashing', async () => {
      const hasher = await testHasher();
      const hashTimes: number[] = [];
      const refusals: number[] = [];
      for (let i = 0; i < 3; i++) {
        let start = performance.now();
        await hashPassword(hasher, STRONG_PASSWORD);
        hashTimes.push(performance.now() - start);
        const email = uniqueEmail('long');
        start = performance.now();
        const res = await register({ email, password: `Aa1-${'y'.repeat(1021)}` });
        refusals.push(performance.now() - start);
        expect(res.status, res.text).toBe(422);
        expect(res.body.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ field: 'password' })]),
        );
      }
      expect(Math.min(...refusals)).toBeLessThan(median(hashTimes));
    });

    it('refuses a password of several thousand characters with 422', async () => {
      const res = await register({ email: uniqueEmail(), password: `Aa1${'z'.repeat(5000)}` });
      expect(res.status, res.text).toBe(422);
      expect(res.body.errors[0].field).toBe('password');
    });

    it('normalises the password with NFKC: a ligature logs in as its letters', async () => {
      const user = await createUser({ password: 'Of\uFB01ce-Key-42' });
      await signIn({ email: user.email, password: 'Office-Key-42' });
    });
  });

  describe('invalid emails', () => {
    const local = () => uniqueEmail('bad').split('@')[0]!;
    const cases: [string, () => unknown][] = [
      ['without an @', () => `${local()}.example.com`],
      ['without a domain dot', () => `${local()}@localhost`],
      ['with a CR/LF header injection', () => `${local()}@b.com\r\nBcc: victim@example.com`],
      ['with a LF', () => `${local()}@b.com\nX: y`],
      ['with a NUL byte', () => `${local()}\u0000@example.com`],
      ['with an inner space', () => `${local()} x@example.com`],
      ['over 254 characters', () => `${'a'.repeat(250)}@example.com`],
      ['of 10,000 characters', () => `${'a'.repeat(10_000)}@example.com`],
      ['that is empty', () => ''],
    ];
    for (const [name, email] of cases) {
      it(`refuses an email ${name} with 422 INVALID_EMAIL`, async () => {
        const res = await register({ email: email(), password: STRONG_PASSWORD });
        const body = expectError(res, 422, 'INVALID_EMAIL');
        expect(body.errors).toEqual([{ field: 'email', message: expect.any(String) }]);
      });
    }

    it('refuses a non-string email with 422', async () => {
      for (const email of [42, null, ['a@b.com'], { $ne: '' }]) {
        const res = await register({ email, password: STRONG_PASSWORD });
        expect(res.status, JSON.stringify(email)).toBe(422);
        expect(res.body.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ field: 'email' })]),
        );
      }
    });

    it('uses VALIDATION_ERROR when other fields are invalid too, listing each field', async () => {
      const res = await register({ email: 'nope', password: 12345 });
      const body = expectError(res, 422, 'VALIDATION_ERROR');
      const fields = body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['email', 'password']));
    });

    it('answers 422 VALIDATION_ERROR to a missing body or missing fields', async () => {
      expectError(await api('POST', '/auth/register'), 422, 'VALIDATION_ERROR');
      const noPassword = await register({ email: uniqueEmail() });
      expect(expectError(noPassword, 422, 'VALIDATION_ERROR').errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'password' })]),
      );
    });
  });

  describe('mass assignment', () => {
    for (const [field, value] of [
      ['role', 'admin'],
      ['roles', ['admin']],
      ['is_admin', true],
      ['email_verified', true],
      ['status', 'active'],
      ['id', '00000000-0000-0000-0000-000000000001'],
    ] as const) {
      it(`refuses an unknown field "${field}" with 422 and creates no account`, async () => {
        const email = uniqueEmail('mass');
        const res = await register({ email, password: STRONG_PASSWORD, [field]: value });
        const body = expectError(res, 422, 'VALIDATION_ERROR');
        expect(JSON.stringify(body.errors)).toContain(field);
        expect(await userRow(email)).toBeNull();
      });
    }

    it('refuses __proto__ and constructor keys without polluting any prototype', async () => {
      for (const key of ['__proto__', 'constructor']) {
        const email = uniqueEmail('proto');
        const res = await api('POST', '/auth/register', {
          body: `{"email":"${email}","password":"${STRONG_PASSWORD}","${key}":{"is_admin":true,"role":"admin"}}`,
          headers: { 'Content-Type': 'application/json' },
        });
        expectError(res, 422, 'VALIDATION_ERROR');
        expect(await userRow(email)).toBeNull();
      }
      expect(({} as Record<string, unknown>).is_admin).toBeUndefined();
      expect(({} as Record<string, unknown>).role).toBeUndefined();
    });

    it('gives a normal registration no admin role and an unverified email', async () => {
      const email = uniqueEmail('plain');
      await register({ email, password: STRONG_PASSWORD, is_admin: true, role: 'admin' });
      const user = await createUser({ email });
      const { access_token } = await signIn(user);
      const me = await api('GET', '/auth/me', { token: access_token });
      expect(me.status, me.text).toBe(200);
      expect(me.body.email_verified).toBe(false);
      expect(me.body.roles).not.toContain('admin');
      expect((await userRow(email))!.email_verified_at).toBeNull();
    });
  });

  describe('username', () => {
    it('answers 409 CONFLICT to a taken username, whatever its case', async () => {
      const username = uniqueUsername();
      const first = await register({ email: uniqueEmail(), password: STRONG_PASSWORD, username });
      expect(first.status, first.text).toBe(201);
      const res = await register({
        email: uniqueEmail(),
        password: STRONG_PASSWORD,
        username: username.toUpperCase(),
      });
      expectError(res, 409, 'CONFLICT');
    });

    it('leaves nothing behind after a username conflict: the email can register again', async () => {
      const username = uniqueUsername();
      await createUserWithUsername(username);
      const email = uniqueEmail('partial');
      const clash = await register({ email, password: STRONG_PASSWORD, username });
      expectError(clash, 409, 'CONFLICT');
      expect(await userRow(email)).toBeNull();
      const retry = await register({ email, password: STRONG_PASSWORD });
      expect(retry.status, retry.text).toBe(201);
    });

    it('refuses a malformed username with 422', async () => {
      for (const username of ['ab', 'has space', 'a'.repeat(33), '<script>']) {
        const res = await register({ email: uniqueEmail(), password: STRONG_PASSWORD, username });
        expect(res.status, username).toBe(422);
        expect(res.body.errors[0].field).toBe('username');
      }
    });
  });
});

async function createUserWithUsername(username: string) {
  const res = await register({ email: uniqueEmail(), password: STRONG_PASSWORD, username });
  expect(res.status, res.text).toBe(201);
}
