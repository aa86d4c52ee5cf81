import { describe, expect, it } from 'vitest';
import {
  api,
  apiWithEnv,
  createSignedInUser,
  createUser,
  expectError,
  STRONG_PASSWORD,
  uniqueEmail,
} from './helpers';
import {
  activityPage,
  createSignedInAdmin,
  serviceHeaders,
  waitForActions,
  waitForActivity,
  type ActivityEntry,
} from './helpers-admin';

const NEW_PASSWORD = 'Saffron-Heron-77';
const WRONG_PASSWORD = 'Wrong-Password-1';

/** Client headers of one request: a documentation address, a user agent and our request id. */
const client = (requestId: string) => ({
  'CF-Connecting-IP': '203.0.113.42',
  'User-Agent': 'AuditTest/1.0 (+https://example.test)',
  'X-Request-ID': requestId,
});

const rid = (step: string) => `audit-${step}-${crypto.randomUUID().slice(0, 8)}`;

/** Base64url of arbitrary text, to build cursors that decode but are not ours. */
const b64url = (text: string) =>
  btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');

describe('GET /users/{user_id}/activity: what is recorded', () => {
  it('records each security event with ip, user agent, request id and time, newest first', async () => {
    const admin = await createSignedInAdmin();
    const email = uniqueEmail('audit');
    const steps: { action: string; requestId: string }[] = [];
    const secrets: string[] = [STRONG_PASSWORD, NEW_PASSWORD, WRONG_PASSWORD];
    const step = async (
      action: string,
      send: (headers: Record<string, string>) => Promise<any>,
    ) => {
      const requestId = rid(action);
      const res = await send(client(requestId));
      expect(res.headers.get('X-Request-ID'), action).toBe(requestId);
      steps.push({ action, requestId });
      return res;
    };

    const registered = await step('registered', (headers) =>
      api('POST', '/auth/register', { headers, json: { email, password: STRONG_PASSWORD } }),
    );
    expect(registered.status, registered.text).toBe(201);
    const userId = registered.body.user_id as string;
    const login = (password: string) => (headers: Record<string, string>) =>
      api('POST', '/auth/login', { headers, json: { email, password } });

    expect((await step('login_failed', login(WRONG_PASSWORD))).status).toBe(401);
    const first = (await step('login_succeeded', login(STRONG_PASSWORD))).body;
    const refreshed = await step('refresh', (headers) =>
      api('POST', '/auth/refresh', { headers, json: { refresh_token: first.refresh_token } }),
    );
    expect(refreshed.status, refreshed.text).toBe(200);
    // Reuse after the reuse interval (0 here, so at once) ends the session and is recorded.
    const reuse = await step('refresh_reuse', (headers) =>
      apiWithEnv({ REFRESH_REUSE_INTERVAL_SECONDS: '0' }, 'POST', '/auth/refresh', {
        headers,
        json: { refresh_token: first.refresh_token },
      }),
    );
    expectError(reuse, 401, 'SESSION_REVOKED');
    const second = (await step('login_succeeded', login(STRONG_PASSWORD))).body;
    const token = second.access_token as string;
    secrets.push(
      first.access_token,
      first.refresh_token,
      refreshed.body.access_token,
      refreshed.body.refresh_token,
      token,
      second.refresh_token,
    );
    const profile = await step('profile_changed', (headers) =>
      api('PUT', '/auth/profile', { headers, token, json: { first_name: 'Audrey' } }),
    );
    expect(profile.status, profile.text).toBe(200);
    const changed = await step('password_changed', (headers) =>
      api('POST', '/auth/change-password', {
        headers,
        token,
        json: { current_password: STRONG_PASSWORD, new_password: NEW_PASSWORD },
      }),
    );
    expect(changed.status, changed.text).toBe(200);
    const assigned = await step('roles_changed', (headers) =>
      api('POST', `/admin/users/${userId}/roles`, {
        headers,
        token: admin.access_token,
        json: { role: 'view' },
      }),
    );
    expect(assigned.status, assigned.text).toBe(200);
    expect(
      (await step('logout', (headers) => api('POST', '/auth/logout', { headers, token }))).status,
    ).toBe(200);

    const items = await waitForActivity(userId, admin.access_token, (list) =>
      steps.every((s) => list.some((e) => e.request_id === s.requestId)),
    );

    for (const s of steps) {
      const entry = items.find((e) => e.request_id === s.requestId);
      expect(entry, s.action).toMatchObject({
        action: s.action,
        ip: '203.0.113.42',
        user_agent: 'AuditTest/1.0 (+https://example.test)',
        request_id: s.requestId,
      });
      expect(new Date(entry!.created_at).toISOString()).toBe(entry!.created_at);
      expect(Math.abs(Date.now() - Date.parse(entry!.created_at))).toBeLessThan(120_000);
    }
    expect(items.find((e) => e.action === 'roles_changed')?.actor_id).toBe(admin.id);

    // Newest first: times never increase down the list, and later steps are not older.
    const times = items.map((e) => Date.parse(e.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const timeOf = (i: number) =>
      Date.parse(items.find((e) => e.request_id === steps[i]!.requestId)!.created_at);
    for (let i = 1; i < steps.length; i++) expect(timeOf(i)).toBeGreaterThanOrEqual(timeOf(i - 1));
    expect(items.at(-1)?.action).toBe('registered');

    // Never a password or a token, in any field.
    const text = JSON.stringify(items);
    for (const secret of secrets) expect(text).not.toContain(secret);
    for (const t of secrets.filter((s) => s.includes('.')))
      for (const part of t.split('.').filter((p) => p.length >= 16))
        expect(text).not.toContain(part);
  });

  it("records 'account_locked' once 5 failures lock the account, with no password in it", async () => {
    const user = await createUser();
    const requestIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const requestId = rid('fail');
      requestIds.push(requestId);
      const res = await api('POST', '/auth/login', {
        headers: client(requestId),
        json: { email: user.email, password: `${WRONG_PASSWORD}${i}` },
      });
      expectError(res, 401, 'INVALID_CREDENTIALS');
    }
    expectError(
      await api('POST', '/auth/login', { json: { email: user.email, password: user.password } }),
      423,
      'ACCOUNT_LOCKED',
    );
    const admin = await createSignedInAdmin();
    const items = await waitForActivity(
      user.id,
      admin.access_token,
      (list) =>
        list.filter((e) => e.action === 'login_failed').length === 5 &&
        list.some((e) => e.action === 'account_locked'),
    );
    const locked = items.filter((e) => e.action === 'account_locked');
    expect(locked).toHaveLength(1);
    // The lock is recorded by the request that caused it: the fifth failure.
    expect(locked[0]).toMatchObject({ request_id: requestIds[4], ip: '203.0.113.42' });
    const text = JSON.stringify(items);
    for (let i = 0; i < 5; i++) expect(text).not.toContain(`${WRONG_PASSWORD}${i}`);
    expect(text).not.toContain(user.password);
  });
});

describe('GET /users/{user_id}/activity: paging', () => {
  /** A user with at least `n` entries (one registration, then successful logins). */
  async function userWithEntries(n: number) {
    const user = await createSignedInUser();
    for (let i = 2; i < n; i++) {
      const res = await api('POST', '/auth/login', {
        json: { email: user.email, password: user.password },
      });
      expect(res.status).toBe(200);
    }
    const all = await waitForActivity(user.id, user.access_token, (list) => list.length >= n);
    expect(all.length).toBeGreaterThanOrEqual(n);
    return { ...user, all };
  }

  it('walks every page with limit=2 and next_cursor: all entries, once each, in order', async () => {
    const user = await userWithEntries(7);
    const seen: ActivityEntry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await activityPage(user.id, user.access_token, query);
      expect(res.status, res.text).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      expect(res.body.items.length).toBeGreaterThan(0);
      seen.push(...res.body.items);
      cursor = res.body.next_cursor;
      pages++;
      expect(pages).toBeLessThan(20);
    } while (cursor);
    expect(seen.map((e) => e.id)).toEqual(user.all.map((e) => e.id));
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
    expect(pages).toBe(Math.ceil(user.all.length / 2));
  });

  it('answers next_cursor null when everything fits on one page', async () => {
    const user = await userWithEntries(2);
    const res = await activityPage(user.id, user.access_token, '?limit=200');
    expect(res.body.next_cursor).toBeNull();
    const exact = await activityPage(user.id, user.access_token, `?limit=${res.body.items.length}`);
    expect(exact.body.next_cursor).toBeNull();
    expect(exact.body.items).toHaveLength(res.body.items.length);
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['base64 of non-JSON', b64url('hello')],
    ['JSON of the wrong shape', b64url(JSON.stringify({ at: 'yesterday', id: 5 }))],
  ])('answers 400 BAD_REQUEST to a cursor that is %s', async (_what, cursor) => {
    const user = await createSignedInUser();
    const res = await activityPage(
      user.id,
      user.access_token,
      `?cursor=${encodeURIComponent(cursor)}`,
    );
    expectError(res, 400, 'BAD_REQUEST');
  });

  it.each(['500', '201', '0', '-1', 'abc', '2.5'])('answers 422 to limit=%s', async (limit) => {
    const user = await createSignedInUser();
    const res = await activityPage(user.id, user.access_token, `?limit=${limit}`);
    const body = expectError(res, 422, 'VALIDATION_ERROR');
    expect(body.errors.map((e: { field: string }) => e.field)).toContain('limit');
  });
});

describe('GET /users/{user_id}/activity: who may read it', () => {
  it('answers 200 to the user themself', async () => {
    const user = await createSignedInUser();
    const items = await waitForActions(user.id, user.access_token, [
      'registered',
      'login_succeeded',
    ]);
    expect(items.every((e) => typeof e.id === 'string')).toBe(true);
  });

  it("answers 403 to another user, without any of the target's entries", async () => {
    const user = await createSignedInUser();
    const snoop = await createSignedInUser();
    const res = await activityPage(user.id, snoop.access_token);
    expectError(res, 403, 'FORBIDDEN');
    expect(res.text).not.toContain(user.email);
    expect(res.body.items).toBeUndefined();
  });

  it('answers 200 to an admin reading someone else', async () => {
    const admin = await createSignedInAdmin();
    const user = await createUser();
    const items = await waitForActions(user.id, admin.access_token, ['registered']);
    expect(items.every((e) => e.action !== 'login_succeeded')).toBe(true);
  });

  it('answers 401 without a bearer token, even with a service key', async () => {
    const user = await createUser();
    expectError(await api('GET', `/users/${user.id}/activity`), 401, 'INVALID_TOKEN');
    expectError(
      await api('GET', `/users/${user.id}/activity`, { headers: serviceHeaders() }),
      401,
      'INVALID_TOKEN',
    );
  });
});
