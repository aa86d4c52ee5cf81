import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, env, expectError, STRONG_PASSWORD, uniqueEmail } from './helpers';

// security.md "Errors, logging, input": free-form JSON is depth-checked without recursion and
// every string field refuses ill-formed Unicode, with 422 and nothing written.

/** `{"a":{"a":…}}` nested `levels` deep, as raw JSON text (about 6 bytes a level). */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

const send = (method: string, path: string, body: string, token?: string) =>
  api(method, path, {
    token,
    body,
    headers: { 'Content-Type': 'application/json' },
  });

const fieldsOf = (body: { errors?: { field: string }[] }) =>
  (body.errors ?? []).map((e) => e.field);

describe('deeply nested JSON', () => {
  it('answers 422, not a stack overflow, for 5,000 levels in preferences', async () => {
    const user = await createSignedInUser();
    const body = `{"deep":${nested(5000)}}`;
    expect(body.length).toBeLessThan(40_000);
    const res = await send('PATCH', `/users/${user.id}/preferences`, body, user.access_token);
    const error = expectError(res, 422, 'VALIDATION_ERROR');
    expect(fieldsOf(error)[0]).toMatch(/^deep(\.a)*$/);
    const after = await api('GET', '/auth/me', { token: user.access_token });
    expect(after.body.preferences).toEqual({});
  });

  it('answers 422 for deep nesting in any body, before its schema runs', async () => {
    const email = uniqueEmail('deep');
    const res = await send(
      'POST',
      '/auth/register',
      JSON.stringify({ email, password: STRONG_PASSWORD }).replace(/}$/, `,"x":${nested(5000)}}`),
    );
    expectError(res, 422, 'VALIDATION_ERROR');
    const row = await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first();
    expect(row).toBeNull();
    // A top-level array nested as deep gets the same answer.
    expectError(
      await send('POST', '/auth/login', `${'['.repeat(5000)}${']'.repeat(5000)}`),
      422,
      'VALIDATION_ERROR',
    );
  });

  it('still accepts preferences nested up to 5 levels, and refuses 6', async () => {
    const user = await createSignedInUser();
    const ok = await send(
      'PATCH',
      `/users/${user.id}/preferences`,
      `{"p":${nested(4)}}`,
      user.access_token,
    );
    expect(ok.status, ok.text).toBe(200);
    const deep = await send(
      'PATCH',
      `/users/${user.id}/preferences`,
      `{"q":${nested(5)}}`,
      user.access_token,
    );
    expectError(deep, 422, 'VALIDATION_ERROR');
  });
});

describe('ill-formed Unicode (lone surrogates)', () => {
  it('refuses an email with a lone high surrogate: 422 VALIDATION_ERROR, no account', async () => {
    const email = `x\ud800-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const res = await api('POST', '/auth/register', { json: { email, password: STRONG_PASSWORD } });
    const body = expectError(res, 422, 'VALIDATION_ERROR');
    expect(fieldsOf(body)).toEqual(['email']);
    const { count } = (await env.DB.prepare(
      "SELECT count(*) AS count FROM users WHERE email LIKE 'x%'",
    ).first<{
      count: number;
    }>())!;
    expect(count).toBe(0);
  });

  it('refuses a password ending in a lone low surrogate at register, login and change', async () => {
    const password = `${STRONG_PASSWORD}\udfff`;
    expect(
      fieldsOf(
        expectError(
          await api('POST', '/auth/register', { json: { email: uniqueEmail(), password } }),
          422,
          'VALIDATION_ERROR',
        ),
      ),
    ).toEqual(['password']);
    const user = await createSignedInUser();
    expectError(
      await api('POST', '/auth/login', { json: { email: user.email, password } }),
      422,
      'VALIDATION_ERROR',
    );
    const change = await api('POST', '/auth/change-password', {
      token: user.access_token,
      json: { current_password: user.password, new_password: password },
    });
    expect(fieldsOf(expectError(change, 422, 'VALIDATION_ERROR'))).toEqual(['new_password']);
  });

  it('refuses them in profile fields and in free-form keys, and changes nothing', async () => {
    const user = await createSignedInUser();
    const profile = await api('PUT', '/auth/profile', {
      token: user.access_token,
      json: { first_name: 'Ada\ud83d' },
    });
    expect(fieldsOf(expectError(profile, 422, 'VALIDATION_ERROR'))).toEqual(['first_name']);
    const prefs = await api('PATCH', `/users/${user.id}/preferences`, {
      token: user.access_token,
      json: { ok: 1, ['k\udc00']: true },
    });
    expectError(prefs, 422, 'VALIDATION_ERROR');
    const me = await api('GET', '/auth/me', { token: user.access_token });
    expect(me.body.preferences).toEqual({});
    expect(me.body.profile?.first_name ?? me.body.first_name ?? null).toBeNull();
  });

  it('accepts well-formed text outside the BMP (a surrogate pair)', async () => {
    const user = await createSignedInUser();
    const res = await api('PUT', '/auth/profile', {
      token: user.access_token,
      json: { first_name: 'Ada 😀' },
    });
    expect(res.status, res.text).toBe(200);
  });
});
