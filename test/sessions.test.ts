import { runInDurableObject } from 'cloudflare:test';
import { base64url, decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { api, apiWithEnv, createUser, env, expectError, signIn } from './helpers';

const refresh = (refresh_token: string) =>
  api('POST', '/auth/refresh', { json: { refresh_token } });
/** A deployment without a reuse interval: a rotated token is reuse at once. */
const NO_GRACE = { REFRESH_REUSE_INTERVAL_SECONDS: '0' };
const refreshWithoutGrace = (refresh_token: string) =>
  apiWithEnv(NO_GRACE, 'POST', '/auth/refresh', { json: { refresh_token } });
const sha256 = async (text: string) =>
  base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))),
  );
const verify = (token: string) => api('GET', '/auth/verify', { token });
const logout = (options: Parameters<typeof api>[2]) => api('POST', '/auth/logout', options);

const REFRESH_TOKEN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

describe('POST /auth/refresh', () => {
  it('returns a new pair for the same session, and the old refresh token stops working', async () => {
    const user = await createUser();
    const first = await signIn(user);
    const res = await refresh(first.refresh_token);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.stringMatching(REFRESH_TOKEN),
      token_type: 'bearer',
      expires_in: 900,
    });
    expect(res.headers.get('Cache-Control')).toMatch(/no-store/);
    expect(res.body.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(res.body.access_token).sid).toBe(decodeJwt(first.access_token).sid);
    expect((await verify(res.body.access_token)).status).toBe(200);

    // Once its successor is used, the old token gets nothing (and the session lives on).
    expect((await refresh(res.body.refresh_token)).status).toBe(200);
    expectError(await refresh(first.refresh_token), 401, 'INVALID_TOKEN');
  });

  it('rotates on every use: a chain of refreshes keeps the session alive', async () => {
    const user = await createUser();
    let tokens = await signIn(user);
    for (let i = 0; i < 3; i++) {
      const res = await refresh(tokens.refresh_token);
      expect(res.status, res.text).toBe(200);
      tokens = res.body;
    }
    expect((await verify(tokens.access_token)).status).toBe(200);
  });

  it('treats reuse of a rotated token after the reuse interval as theft: 401 SESSION_REVOKED and the session ends', async () => {
    const user = await createUser();
    const first = await signIn(user);
    const second = (await refresh(first.refresh_token)).body;

    // REFRESH_REUSE_INTERVAL_SECONDS=0: the interval is over at once.
    const reuse = await refreshWithoutGrace(first.refresh_token);
    expectError(reuse, 401, 'SESSION_REVOKED');

    // The legitimate holder's newer tokens die with the session.
    expect((await refresh(second.refresh_token)).status).toBe(401);
    expectError(await verify(second.access_token), 401, 'SESSION_REVOKED');
    expectError(await verify(first.access_token), 401, 'SESSION_REVOKED');
  });

  it("ends only the reused session, not the user's other sessions", async () => {
    const user = await createUser();
    const stolen = await signIn(user);
    const other = await signIn(user);
    await refresh(stolen.refresh_token);
    expectError(await refreshWithoutGrace(stolen.refresh_token), 401, 'SESSION_REVOKED');
    expect((await verify(other.access_token)).status).toBe(200);
    expect((await refresh(other.refresh_token)).status).toBe(200);
  });

  it('never leaves two live token families after concurrent refreshes of one token', async () => {
    const user = await createUser();
    const { refresh_token } = await signIn(user);
    const results = await Promise.all([refresh(refresh_token), refresh(refresh_token)]);
    const issued = new Set(
      results.filter((r) => r.status === 200).map((r) => r.body.refresh_token as string),
    );
    let live = 0;
    for (const token of issued) if ((await refresh(token)).status === 200) live++;
    expect(live).toBeLessThanOrEqual(1);
  });

  it('stores the successor only as a hash too, and gives it the form of a fresh token', async () => {
    const user = await createUser();
    const first = await signIn(user);
    const next = (await refresh(first.refresh_token)).body.refresh_token as string;
    expect(REFRESH_TOKEN.exec(next)?.[1]).toBe(user.id);
    const stub = env.SESSIONS.get(env.SESSIONS.idFromName(user.id));
    const rows = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec('SELECT * FROM refresh_tokens').toArray(),
    );
    const dump = JSON.stringify(rows);
    for (const token of [first.refresh_token, next]) {
      expect(dump).not.toContain(token.split('.')[1]);
      expect(dump).toContain(await sha256(token));
    }
  });

  it('answers garbage and unknown refresh tokens with 401 INVALID_TOKEN', async () => {
    const user = await createUser();
    const { refresh_token } = await signIn(user);
    const [, secret] = REFRESH_TOKEN.exec(refresh_token)!.slice(1);
    const other = await createUser();
    for (const token of [
      'garbage',
      'a.b.c',
      `${crypto.randomUUID()}.${'A'.repeat(43)}`, // well-formed, nobody's
      `${user.id}.${'A'.repeat(43)}`, // the right user, a guessed secret
      `${other.id}.${secret}`, // a real secret moved to another user
      `${refresh_token}x`,
      refresh_token.toUpperCase(),
      ` ${refresh_token}`,
      `../${refresh_token}`,
    ]) {
      expectError(await refresh(token), 401, 'INVALID_TOKEN');
    }
    // None of those attempts harmed the real session.
    expect((await refresh(refresh_token)).status).toBe(200);
  });

  it('refuses an access token used as a refresh token', async () => {
    const user = await createUser();
    const { access_token } = await signIn(user);
    const res = await refresh(access_token);
    expect([401, 422]).toContain(res.status);
    expect(res.body.error_code).toMatch(/INVALID_TOKEN|VALIDATION_ERROR/);
  });

  it('refuses a missing, empty or non-string refresh_token with 422', async () => {
    for (const json of [
      {},
      { refresh_token: '' },
      { refresh_token: 42 },
      { refresh_token: null },
    ]) {
      expectError(await api('POST', '/auth/refresh', { json }), 422, 'VALIDATION_ERROR');
    }
  });

  it('issues refresh tokens of the form <user id>.<256 random bits>', async () => {
    const user = await createUser();
    const a = await signIn(user);
    const b = await signIn(user);
    for (const { refresh_token } of [a, b]) {
      const match = REFRESH_TOKEN.exec(refresh_token);
      expect(match, refresh_token).not.toBeNull();
      expect(match![1]).toBe(user.id);
      // 43 base64url characters carry 258 bits; at least 128 are required.
      expect(base64url.decode(match![2]!).length * 8).toBeGreaterThanOrEqual(128);
    }
    expect(a.refresh_token.split('.')[1]).not.toBe(b.refresh_token.split('.')[1]);
  });

  it('stores refresh tokens only as SHA-256 hashes in the SessionStore', async () => {
    const user = await createUser();
    const { refresh_token } = await signIn(user);
    const stub = env.SESSIONS.get(env.SESSIONS.idFromName(user.id));
    const rows = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec('SELECT * FROM refresh_tokens').toArray(),
    );
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(refresh_token.split('.')[1]);
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(refresh_token)),
    );
    expect(dump).toContain(base64url.encode(digest));
  });
});

describe('concurrent refreshes (REFRESH_REUSE_INTERVAL_SECONDS, 10 s by default)', () => {
  it('answers 3 parallel refreshes of one token with one new refresh token, and the session lives', async () => {
    const user = await createUser();
    const first = await signIn(user);
    const results = await Promise.all([1, 2, 3].map(() => refresh(first.refresh_token)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length, results.map((r) => r.text).join('\n')).toBeGreaterThanOrEqual(1);
    // A refusal among them, if any, is not reuse: nothing ended the session.
    for (const r of results) if (r.status !== 200) expectError(r, 401, 'INVALID_TOKEN');
    const issued = new Set(ok.map((r) => r.body.refresh_token as string));
    expect(issued.size).toBe(1);
    const [next] = [...issued];
    expect(next).not.toBe(first.refresh_token);
    // Every access token handed out belongs to the one live session.
    for (const r of ok) {
      expect(decodeJwt(r.body.access_token).sid).toBe(decodeJwt(first.access_token).sid);
      expect((await verify(r.body.access_token)).status).toBe(200);
    }
    // The shared refresh token works afterwards.
    const after = await refresh(next!);
    expect(after.status, after.text).toBe(200);
    expect((await verify(after.body.access_token)).status).toBe(200);
  });

  it('gives a just-rotated token the same successor again while that one is unused', async () => {
    const user = await createUser();
    const first = await signIn(user);
    const a = await refresh(first.refresh_token);
    const b = await refresh(first.refresh_token);
    expect(a.status, a.text).toBe(200);
    expect(b.status, b.text).toBe(200);
    expect(b.body.refresh_token).toBe(a.body.refresh_token);
    expect(b.body.access_token).not.toBe(a.body.access_token);
  });

  it('refuses a just-rotated token whose successor was rotated too (401), leaving the session alive', async () => {
    const user = await createUser();
    const first = await signIn(user);
    const second = (await refresh(first.refresh_token)).body;
    const third = (await refresh(second.refresh_token)).body;
    expectError(await refresh(first.refresh_token), 401, 'INVALID_TOKEN');
    expect((await verify(third.access_token)).status).toBe(200);
    expect((await refresh(third.refresh_token)).status).toBe(200);
  });

  it('treats a presentation after the interval as reuse: the session ends (store called with a later now)', async () => {
    const user = await createUser();
    const first = await signIn(user);
    const second = (await refresh(first.refresh_token)).body;
    const rotatedAt = Date.now();
    const store = env.SESSIONS.get(env.SESSIONS.idFromName(user.id));
    const again = {
      refreshHash: await sha256(first.refresh_token),
      successorHash: await sha256(second.refresh_token),
      reuseIntervalMs: 10_000,
    };
    // Still inside the interval (a second later): the same successor, nothing ends.
    expect(await store.rotate({ ...again, now: rotatedAt + 1_000 })).toMatchObject({
      ok: true,
      replayed: true,
    });
    // Past it: reuse.
    expect(await store.rotate({ ...again, now: rotatedAt + 10_001 })).toEqual({
      ok: false,
      reason: 'reused',
    });
    expectError(await verify(second.access_token), 401, 'SESSION_REVOKED');
    expect((await refresh(second.refresh_token)).status).toBe(401);
  });

  it('refuses a replay whose successor is not the one the store recorded', async () => {
    const user = await createUser();
    const first = await signIn(user);
    const second = (await refresh(first.refresh_token)).body;
    const store = env.SESSIONS.get(env.SESSIONS.idFromName(user.id));
    const outcome = await store.rotate({
      refreshHash: await sha256(first.refresh_token),
      successorHash: await sha256(`${user.id}.${'B'.repeat(43)}`),
      reuseIntervalMs: 10_000,
      now: Date.now(),
    });
    expect(outcome).toEqual({ ok: false, reason: 'superseded' });
    expect((await verify(second.access_token)).status).toBe(200);
  });
});

describe('SessionStore storage upgrade', () => {
  it('adds the successor column to a store created before the reuse interval existed', async () => {
    const user = await createUser();
    const stub = env.SESSIONS.get(env.SESSIONS.idFromName(user.id));
    // The store as the previous version left it: no successor column, no schema version.
    await runInDurableObject(stub, (instance, state) => {
      state.storage.sql.exec(`DROP TABLE refresh_tokens;
        CREATE TABLE refresh_tokens (hash TEXT PRIMARY KEY, session_id TEXT NOT NULL, rotated_at INTEGER);`);
      state.storage.kv.delete('schema_version');
      (instance as unknown as { migrate(): void }).migrate();
    });
    const columns = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql
        .exec<{ name: string }>('SELECT name FROM pragma_table_info(?)', 'refresh_tokens')
        .toArray()
        .map((c) => c.name),
    );
    expect(columns).toEqual(['hash', 'session_id', 'rotated_at', 'successor']);
    // And the upgraded store rotates as usual.
    const first = await signIn(user);
    const next = await refresh(first.refresh_token);
    expect(next.status, next.text).toBe(200);
    expect((await refresh(first.refresh_token)).body.refresh_token).toBe(next.body.refresh_token);
  });
});

describe('POST /auth/logout', () => {
  it('with a bearer token ends that session at once', async () => {
    const user = await createUser();
    const tokens = await signIn(user);
    expect((await verify(tokens.access_token)).status).toBe(200);
    const res = await logout({ token: tokens.access_token });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ message: expect.any(String) });
    expectError(await verify(tokens.access_token), 401, 'SESSION_REVOKED');
    expect((await refresh(tokens.refresh_token)).status).toBe(401);
  });

  it('with only a refresh token in the body ends that session', async () => {
    const user = await createUser();
    const tokens = await signIn(user);
    const res = await logout({ json: { refresh_token: tokens.refresh_token } });
    expect(res.status, res.text).toBe(200);
    expectError(await verify(tokens.access_token), 401, 'SESSION_REVOKED');
    expect((await refresh(tokens.refresh_token)).status).toBe(401);
  });

  it('answers 401 when neither a bearer token nor a refresh token is sent', async () => {
    expectError(await logout({}), 401, 'INVALID_TOKEN');
    expectError(await logout({ json: {} }), 401, 'INVALID_TOKEN');
  });

  it('answers 401 to a forged bearer token and ends nothing', async () => {
    const user = await createUser();
    const tokens = await signIn(user);
    const [header, payload] = tokens.access_token.split('.');
    const res = await logout({ token: `${header}.${payload}.${'A'.repeat(86)}` });
    expectError(res, 401, 'INVALID_TOKEN');
    expect((await verify(tokens.access_token)).status).toBe(200);
  });

  it('refuses unknown fields in the body with 422', async () => {
    const user = await createUser();
    const tokens = await signIn(user);
    const res = await logout({ token: tokens.access_token, json: { all_sessions: true } });
    expectError(res, 422, 'VALIDATION_ERROR');
  });

  it("leaves the user's other sessions working", async () => {
    const user = await createUser();
    const laptop = await signIn(user);
    const phone = await signIn(user);
    await logout({ token: laptop.access_token });
    expectError(await verify(laptop.access_token), 401, 'SESSION_REVOKED');
    expect((await verify(phone.access_token)).status).toBe(200);
    const rotated = await refresh(phone.refresh_token);
    expect(rotated.status, rotated.text).toBe(200);
  });

  it("cannot end another user's session with one's own bearer token", async () => {
    const alice = await signIn(await createUser());
    const bob = await signIn(await createUser());
    await logout({ token: alice.access_token, json: { refresh_token: bob.refresh_token } });
    expect((await verify(bob.access_token)).status).toBe(200);
  });
});

describe('GET /auth/me', () => {
  it('shows the user and the number of live sessions', async () => {
    const user = await createUser();
    const sessions = [await signIn(user), await signIn(user), await signIn(user)];
    const me = await api('GET', '/auth/me', { token: sessions[0]!.access_token });
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({
      user_id: user.id,
      email: user.email,
      email_verified: false,
      status: 'active',
      session_count: 3,
    });
    // No hash leaks; `sign_in_methods.password` says only whether the account has one.
    expect(me.body.sign_in_methods).toEqual({ password: true, passkeys: 0, identities: [] });
    expect(me.text.replace('"sign_in_methods":{"password"', '')).not.toMatch(/password|pbkdf2/i);

    await logout({ token: sessions[1]!.access_token });
    const after = await api('GET', '/auth/me', { token: sessions[0]!.access_token });
    expect(after.body.session_count).toBe(2);
  });

  it('requires a live session', async () => {
    const user = await createUser();
    const tokens = await signIn(user);
    await logout({ token: tokens.access_token });
    expectError(
      await api('GET', '/auth/me', { token: tokens.access_token }),
      401,
      'SESSION_REVOKED',
    );
    expectError(await api('GET', '/auth/me'), 401, 'INVALID_TOKEN');
  });
});
