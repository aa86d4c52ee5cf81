import { describe, expect, it } from 'vitest';
import {
  api,
  createSignedInUser,
  createUser,
  expectError,
  signIn,
  STRONG_PASSWORD,
  uniqueEmail,
} from './helpers';
import { createSignedInAdmin, serviceHeaders, waitForActivity } from './helpers-admin';
import { latestToken, VERIFY_SUBJECT } from './helpers-mail';

const login = (email: string, password: string) =>
  api('POST', '/auth/login', { json: { email, password } });

const me = async (token: string) => {
  const res = await api('GET', '/auth/me', { token });
  expect(res.status, res.text).toBe(200);
  return res.body;
};

/** A complete user, as an operator would send it. */
const completeUser = (overrides: Record<string, unknown> = {}) => ({
  email: uniqueEmail('created'),
  password: STRONG_PASSWORD,
  first_name: 'Ada',
  last_name: 'Lovelace',
  username: `ada_${crypto.randomUUID().slice(0, 8)}`,
  bio: 'Analyst',
  avatar_url: 'https://example.com/ada.png',
  roles: ['user', 'view'],
  preferences: { theme: 'dark', notifications: { email: true } },
  email_verified: true,
  ...overrides,
});

const createAsService = (body: Record<string, unknown>) =>
  api('POST', '/users/profile', { headers: serviceHeaders(), json: body });

describe('POST /users/profile', () => {
  it('refuses a service that asks for an administrator role (403), and creates nothing', async () => {
    const body = completeUser({ roles: ['user', 'admin'] });
    expectError(await createAsService(body), 403, 'FORBIDDEN');
    const login = await api('POST', '/auth/login', {
      json: { email: body.email, password: body.password },
    });
    expectError(login, 401, 'INVALID_CREDENTIALS');
  });

  it('lets an admin create another admin', async () => {
    const admin = await createSignedInAdmin();
    const body = completeUser({ roles: ['admin'] });
    const res = await api('POST', '/users/profile', { token: admin.access_token, json: body });
    expect(res.status, res.text).toBe(201);
    expect(res.body.roles).toEqual(['admin']);
  });

  it('lets a service create a complete user (201) who can then log in', async () => {
    const body = completeUser();
    const res = await createAsService(body);
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      user_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: body.email,
      status: 'active',
      email_verified: true,
      profile: {
        first_name: 'Ada',
        last_name: 'Lovelace',
        username: body.username,
        bio: 'Analyst',
        avatar_url: 'https://example.com/ada.png',
      },
      preferences: body.preferences,
    });
    expect([...res.body.roles].sort()).toEqual(['user', 'view']);
    expect(res.text).not.toContain(STRONG_PASSWORD);

    const session = await login(body.email, body.password);
    expect(session.status, session.text).toBe(200);
    const profile = await me(session.body.access_token);
    expect(profile).toMatchObject({
      user_id: res.body.user_id,
      email_verified: true,
      preferences: body.preferences,
      profile: { first_name: 'Ada', username: body.username },
    });
    expect([...profile.roles].sort()).toEqual(['user', 'view']);
  });

  it("lets an admin create a user (201), recorded in the new user's activity with the admin as actor", async () => {
    const admin = await createSignedInAdmin();
    const body = completeUser({ email_verified: false, roles: ['user'] });
    const res = await api('POST', '/users/profile', { token: admin.access_token, json: body });
    expect(res.status, res.text).toBe(201);
    expect(res.body.email_verified).toBe(false);
    expect((await login(body.email, body.password)).status).toBe(200);

    const items = await waitForActivity(res.body.user_id, admin.access_token, (list) =>
      list.some((e) => e.action === 'registered'),
    );
    expect(items.find((e) => e.action === 'registered')).toMatchObject({ actor_id: admin.id });
  });

  it('defaults to the user role, unverified email and empty preferences', async () => {
    const email = uniqueEmail('minimal');
    const res = await createAsService({ email, password: STRONG_PASSWORD });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      email,
      email_verified: false,
      roles: ['user'],
      preferences: {},
    });
  });

  it('refuses a plain user with 403 FORBIDDEN and creates nobody', async () => {
    const user = await createSignedInUser();
    const body = completeUser();
    expectError(
      await api('POST', '/users/profile', { token: user.access_token, json: body }),
      403,
      'FORBIDDEN',
    );
    expectError(await login(body.email, body.password), 401, 'INVALID_CREDENTIALS');
  });

  it('answers 401 without credentials or with a wrong API key', async () => {
    expect((await api('POST', '/users/profile', { json: completeUser() })).status).toBe(401);
    const wrongKey = await api('POST', '/users/profile', {
      headers: { 'X-API-Key': 'x'.repeat(40) },
      json: completeUser(),
    });
    expect(wrongKey.status, wrongKey.text).toBe(401);
  });

  it('refuses an unknown role with 422 and creates nobody', async () => {
    const body = completeUser({ roles: ['user', 'overlord'] });
    const res = await createAsService(body);
    expectError(res, 422, 'VALIDATION_ERROR');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'roles' })]);
    expectError(await login(body.email, body.password), 401, 'INVALID_CREDENTIALS');
  });

  it('answers 409 USER_EXISTS for a taken email, whatever its case, and keeps the first account', async () => {
    const existing = await createUser();
    for (const email of [existing.email, existing.email.toUpperCase()]) {
      expectError(
        await createAsService(completeUser({ email, password: 'Other-Strong-88' })),
        409,
        'USER_EXISTS',
      );
    }
    expect((await login(existing.email, existing.password)).status).toBe(200);
  });

  it('answers 409 CONFLICT for a taken username and creates nobody', async () => {
    const first = completeUser();
    expect((await createAsService(first)).status).toBe(201);
    const second = completeUser({ username: first.username });
    expectError(await createAsService(second), 409, 'CONFLICT');
    expectError(await login(second.email, second.password), 401, 'INVALID_CREDENTIALS');
  });

  it('refuses a weak password with 422 WEAK_PASSWORD', async () => {
    for (const password of ['short1A', 'alllowercase1', 'password']) {
      const body = completeUser({ password });
      expectError(await createAsService(body), 422, 'WEAK_PASSWORD');
      expectError(await login(body.email, password), 401, 'INVALID_CREDENTIALS');
    }
  });

  it('refuses unknown fields with 422 (no mass assignment)', async () => {
    const body = completeUser({ is_admin: true });
    expectError(await createAsService(body), 422, 'VALIDATION_ERROR');
  });
});

interface Dashboard {
  user: { user_id: string; email: string; email_verified: boolean };
  profile: Record<string, unknown>;
  preferences: Record<string, unknown>;
  roles: string[];
  sessions: Array<{ id: string; current: boolean; ip: string | null }>;
  recent_activity: Array<{ action: string; created_at: string }>;
  organizations: unknown[];
  security: {
    email_verified: boolean;
    mfa_enabled: boolean;
    active_sessions: number;
    last_login_at: string | null;
    failed_logins_24h: number;
  };
}

const dashboard = (userId: string, token: string) =>
  api<Dashboard>('GET', `/users/${userId}/dashboard`, { token });

describe('GET /users/{user_id}/dashboard', () => {
  it('shows the user their profile, sessions, activity newest first and a security summary', async () => {
    const user = await createUser();
    for (let i = 0; i < 2; i++)
      expectError(await login(user.email, 'Wrong-Password-1'), 401, 'INVALID_CREDENTIALS');
    await signIn(user);
    const mine = await signIn(user);
    // Audit entries are written after the response: wait until all four are there.
    await waitForActivity(user.id, mine.access_token, (items) => {
      const count = (a: string) => items.filter((e) => e.action === a).length;
      return count('login_failed') === 2 && count('login_succeeded') === 2;
    });

    const res = await dashboard(user.id, mine.access_token);
    expect(res.status, res.text).toBe(200);
    const d = res.body;
    expect(d.user).toMatchObject({ user_id: user.id, email: user.email, email_verified: false });
    expect(d.profile).toHaveProperty('first_name');
    expect(d.roles).toEqual(['user']);
    expect(d.organizations).toEqual([]);
    expect(d.sessions).toHaveLength(2);
    expect(d.sessions.filter((s) => s.current)).toHaveLength(1);
    const { body: verified } = await api('GET', '/auth/verify', { token: mine.access_token });
    expect(d.sessions.find((s) => s.current)!.id).toBe(verified.session_id);

    const times = d.recent_activity.map((e) => Date.parse(e.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(d.recent_activity[0]!.action).toBe('login_succeeded');
    expect(d.recent_activity.map((e) => e.action)).toEqual(
      expect.arrayContaining(['registered', 'login_failed', 'login_succeeded']),
    );

    expect(d.security).toEqual({
      email_verified: false,
      mfa_enabled: false,
      active_sessions: 2,
      last_login_at: expect.any(String),
      failed_logins_24h: 2,
    });
    expect(Math.abs(Date.parse(d.security.last_login_at!) - Date.now())).toBeLessThan(60_000);
  });

  it('reports a verified email and no logins yet for a fresh verified account', async () => {
    const user = await createUser();
    const token = await latestToken(user.email, VERIFY_SUBJECT);
    expect((await api('POST', '/auth/verify-email', { json: { token } })).status).toBe(200);
    const admin = await createSignedInAdmin();
    const res = await dashboard(user.id, admin.access_token);
    expect(res.status, res.text).toBe(200);
    expect(res.body.user.email_verified).toBe(true);
    expect(res.body.security).toMatchObject({
      email_verified: true,
      active_sessions: 0,
      last_login_at: null,
      failed_logins_24h: 0,
    });
  });

  it("lets an admin see another user's dashboard, with no session marked current", async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    const res = await dashboard(user.id, admin.access_token);
    expect(res.status, res.text).toBe(200);
    expect(res.body.user.user_id).toBe(user.id);
    expect(res.body.sessions).toHaveLength(1);
    expect(res.body.sessions[0]!.current).toBe(false);
  });

  it("refuses another user's dashboard with 403 and reveals nothing", async () => {
    const alice = await createSignedInUser();
    const bob = await createUser();
    const res = await dashboard(bob.id, alice.access_token);
    expectError(res, 403, 'FORBIDDEN');
    expect(res.text).not.toContain(bob.email);
  });

  it('answers 404 to an admin for an unknown user id, and 422 for a malformed one', async () => {
    const admin = await createSignedInAdmin();
    expectError(await dashboard(crypto.randomUUID(), admin.access_token), 404, 'NOT_FOUND');
    expectError(await dashboard('not-a-uuid', admin.access_token), 422, 'VALIDATION_ERROR');
  });

  it('answers 401 without a bearer token, even with a service API key (self or admin only)', async () => {
    const user = await createUser();
    expectError(await api('GET', `/users/${user.id}/dashboard`), 401, 'INVALID_TOKEN');
    expectError(
      await api('GET', `/users/${user.id}/dashboard`, { headers: serviceHeaders() }),
      401,
      'INVALID_TOKEN',
    );
  });
});

const patchPrefs = (userId: string, token: string, body: unknown) =>
  api('PATCH', `/users/${userId}/preferences`, {
    token,
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });

const storedPrefs = async (token: string) => (await me(token)).preferences;

describe('PATCH /users/{user_id}/preferences', () => {
  it('merges as RFC 7396: nested objects merge, null deletes, arrays are replaced', async () => {
    const user = await createSignedInUser();
    const first = await patchPrefs(user.id, user.access_token, {
      theme: 'dark',
      notifications: { email: true, sms: true, digest: { weekly: true } },
      tags: ['a', 'b'],
    });
    expect(first.status, first.text).toBe(200);

    const second = await patchPrefs(user.id, user.access_token, {
      notifications: { sms: null, digest: { daily: false } },
      tags: ['c'],
      lang: 'en',
      theme: null,
    });
    expect(second.status, second.text).toBe(200);
    const expected = {
      notifications: { email: true, digest: { weekly: true, daily: false } },
      tags: ['c'],
      lang: 'en',
    };
    expect(second.body).toEqual({ preferences: expected });
    expect(await storedPrefs(user.access_token)).toEqual(expected);
  });

  it('refuses a merge whose result exceeds 16 KB with 422 and stores nothing of it', async () => {
    const user = await createSignedInUser();
    const tenKb = 'x'.repeat(10 * 1024);
    expect((await patchPrefs(user.id, user.access_token, { a: tenKb })).status).toBe(200);

    const res = await patchPrefs(user.id, user.access_token, { b: tenKb, c: 'small' });
    expectError(res, 422, 'VALIDATION_ERROR');
    expect(await storedPrefs(user.access_token)).toEqual({ a: tenKb });

    // Replacing the big value instead of adding to it fits again.
    const replaced = await patchPrefs(user.id, user.access_token, { a: null, b: tenKb });
    expect(replaced.status, replaced.text).toBe(200);
    expect(await storedPrefs(user.access_token)).toEqual({ b: tenKb });
  });

  it('refuses a single patch over 16 KB with 422', async () => {
    const user = await createSignedInUser();
    const res = await patchPrefs(user.id, user.access_token, { big: 'y'.repeat(17 * 1024) });
    expectError(res, 422, 'VALIDATION_ERROR');
    expect(await storedPrefs(user.access_token)).toEqual({});
  });

  it('counts the 16 KB limit in bytes, not characters (multi-byte text)', async () => {
    // 6,000 "€" are 6,000 characters but 18 KB in UTF-8.
    const user = await createSignedInUser();
    const res = await patchPrefs(user.id, user.access_token, { note: '€'.repeat(6_000) });
    expectError(res, 422, 'VALIDATION_ERROR');
  });

  it('accepts 5 levels of nesting and refuses 6 with 422', async () => {
    const user = await createSignedInUser();
    const five = { a: { b: { c: { d: { e: 1 } } } } };
    const six = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    expect((await patchPrefs(user.id, user.access_token, five)).status).toBe(200);
    expectError(await patchPrefs(user.id, user.access_token, six), 422, 'VALIDATION_ERROR');
    expect(await storedPrefs(user.access_token)).toEqual(five);
  });

  it('refuses a body that is not a JSON object with 422', async () => {
    const user = await createSignedInUser();
    for (const body of [['theme', 'dark'], 'dark', 42, null, true]) {
      expectError(await patchPrefs(user.id, user.access_token, body), 422, 'VALIDATION_ERROR');
    }
    expect(await storedPrefs(user.access_token)).toEqual({});
  });

  it('refuses empty and over-long keys with 422', async () => {
    const user = await createSignedInUser();
    expectError(await patchPrefs(user.id, user.access_token, { '': 1 }), 422, 'VALIDATION_ERROR');
    expectError(
      await patchPrefs(user.id, user.access_token, { ['k'.repeat(65)]: 1 }),
      422,
      'VALIDATION_ERROR',
    );
  });

  it("refuses another user's preferences with 403 and leaves them unchanged", async () => {
    const alice = await createSignedInUser();
    const bob = await createSignedInUser();
    expect((await patchPrefs(bob.id, bob.access_token, { theme: 'light' })).status).toBe(200);
    expectError(await patchPrefs(bob.id, alice.access_token, { theme: 'pwned' }), 403, 'FORBIDDEN');
    expect(await storedPrefs(bob.access_token)).toEqual({ theme: 'light' });
  });

  it("lets an admin merge into another user's preferences", async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    const res = await patchPrefs(user.id, admin.access_token, { locale: 'fr' });
    expect(res.status, res.text).toBe(200);
    expect(await storedPrefs(user.access_token)).toEqual({ locale: 'fr' });
    expectError(
      await patchPrefs(crypto.randomUUID(), admin.access_token, { locale: 'fr' }),
      404,
      'NOT_FOUND',
    );
  });

  it('keeps every key of 10 concurrent patches (one atomic merge each)', async () => {
    const user = await createSignedInUser();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        patchPrefs(user.id, user.access_token, { [`key${i}`]: i, shared: { [`k${i}`]: true } }),
      ),
    );
    for (const r of results) expect(r.status, r.text).toBe(200);
    const expected = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`key${i}`, i]));
    const shared = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, true]));
    expect(await storedPrefs(user.access_token)).toEqual({ ...expected, shared });
  });
});
