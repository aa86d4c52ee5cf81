import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { api, apiWithEnv, createSignedInUser, createUser, expectError, signIn } from './helpers';
import { createSignedInAdmin, serviceHeaders, verifyStatus } from './helpers-admin';
import { testIp } from './helpers-mail';

interface Session {
  id: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
  country: string | null;
  current: boolean;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const listSessions = async (token: string) => {
  const res = await api<{ items: Session[]; next_cursor: null }>('GET', '/auth/sessions', {
    token,
  });
  expect(res.status, res.text).toBe(200);
  return res.body;
};

/** The session id an access token belongs to, as /auth/verify reports it. */
const sessionIdOf = async (token: string) => {
  const res = await api('GET', '/auth/verify', { token });
  expect(res.status, res.text).toBe(200);
  return res.body.session_id as string;
};

const revoke = (token: string, sessionId: string, query = '') =>
  api('DELETE', `/auth/sessions/${sessionId}${query}`, { token });

const refresh = (refreshToken: string) =>
  api('POST', '/auth/refresh', { json: { refresh_token: refreshToken } });

describe('GET /auth/sessions', () => {
  it('lists each session with its device data and times, newest first', async () => {
    const user = await createUser();
    const laptop = { 'CF-Connecting-IP': testIp(), 'User-Agent': 'Laptop/1.0 (test)' };
    const phone = { 'CF-Connecting-IP': '2001:db8::7', 'User-Agent': 'Phone/2.0 (test)' };
    const first = await signIn(user, laptop);
    const second = await signIn(user, phone);
    const [firstId, secondId] = [
      await sessionIdOf(first.access_token),
      await sessionIdOf(second.access_token),
    ];

    const { items, next_cursor } = await listSessions(second.access_token);
    expect(next_cursor).toBeNull();
    expect(items.map((s) => s.id)).toEqual([secondId, firstId]);
    expect(items[0]).toMatchObject({
      ip: phone['CF-Connecting-IP'],
      user_agent: 'Phone/2.0 (test)',
    });
    expect(items[1]).toMatchObject({
      ip: laptop['CF-Connecting-IP'],
      user_agent: 'Laptop/1.0 (test)',
    });
    for (const s of items) {
      expect(s.created_at).toMatch(ISO);
      expect(s.last_used_at).toMatch(ISO);
      expect(Date.parse(s.last_used_at)).toBeGreaterThanOrEqual(Date.parse(s.created_at));
      expect(Math.abs(Date.parse(s.created_at) - Date.now())).toBeLessThan(60_000);
      // request.cf carries no country locally; the field is there, null or an ISO 3166 code.
      expect(s).toHaveProperty('country');
      if (s.country !== null) expect(s.country).toMatch(/^[A-Z]{2}$/);
    }
  });

  it('marks exactly one session current: the one of the calling token', async () => {
    const user = await createUser();
    const tokens = [await signIn(user), await signIn(user), await signIn(user)];
    for (const t of tokens) {
      const { items } = await listSessions(t.access_token);
      expect(items).toHaveLength(3);
      const current = items.filter((s) => s.current);
      expect(current).toHaveLength(1);
      expect(current[0]!.id).toBe(await sessionIdOf(t.access_token));
    }
  });

  it('records the country Cloudflare puts in request.cf', async () => {
    const user = await createUser();
    const request = new Request('http://auth.test/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
      cf: { country: 'NZ' },
    });
    const res = await exports.default.fetch(request);
    expect(res.status).toBe(200);
    const { access_token } = await res.json<{ access_token: string }>();
    const { items } = await listSessions(access_token);
    expect(items[0]!.country).toBe('NZ');
  });

  it('takes the IP only from CF-Connecting-IP, never from X-Forwarded-For', async () => {
    const user = await createUser();
    const pair = await signIn(user, { 'X-Forwarded-For': '192.0.2.66', 'X-Real-IP': '192.0.2.67' });
    const { items } = await listSessions(pair.access_token);
    expect(items[0]!.ip).toBeNull();
  });

  it("shows only the caller's own sessions, never another user's", async () => {
    const alice = await createSignedInUser();
    const bob = await createSignedInUser();
    const bobSession = await sessionIdOf(bob.access_token);
    const { items } = await listSessions(alice.access_token);
    expect(items).toHaveLength(1);
    expect(items.map((s) => s.id)).not.toContain(bobSession);
  });

  it('moves last_used_at forward when the session is refreshed', async () => {
    const user = await createUser();
    const pair = await signIn(user);
    const before = (await listSessions(pair.access_token)).items[0]!;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const rotated = await refresh(pair.refresh_token);
    expect(rotated.status, rotated.text).toBe(200);
    const after = (await listSessions(rotated.body.access_token)).items[0]!;
    expect(after.id).toBe(before.id);
    expect(after.created_at).toBe(before.created_at);
    expect(Date.parse(after.last_used_at)).toBeGreaterThan(Date.parse(before.last_used_at));
  });

  it('answers 401 without a bearer token', async () => {
    expectError(await api('GET', '/auth/sessions'), 401, 'INVALID_TOKEN');
  });
});

describe('GET /auth/current-session', () => {
  it("returns the caller's session with its device data and current: true", async () => {
    const user = await createUser();
    const ip = testIp();
    await signIn(user);
    const mine = await signIn(user, { 'CF-Connecting-IP': ip, 'User-Agent': 'Current/1.0' });
    const res = await api<Session>('GET', '/auth/current-session', { token: mine.access_token });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      id: await sessionIdOf(mine.access_token),
      ip,
      user_agent: 'Current/1.0',
      current: true,
    });
    expect(res.body.created_at).toMatch(ISO);
    expect(res.body).toHaveProperty('country');
  });

  it('answers 401 SESSION_REVOKED once the session has ended', async () => {
    const user = await createSignedInUser();
    const sid = await sessionIdOf(user.access_token);
    expect((await revoke(user.access_token, sid)).status).toBe(204);
    expectError(
      await api('GET', '/auth/current-session', { token: user.access_token }),
      401,
      'SESSION_REVOKED',
    );
  });
});

describe('DELETE /auth/sessions/{session_id}', () => {
  it('ends that session: its access token fails verify on the very next call, its refresh token fails', async () => {
    const user = await createUser();
    const keep = await signIn(user);
    const doomed = await signIn(user);
    const doomedId = await sessionIdOf(doomed.access_token);

    const res = await revoke(keep.access_token, doomedId);
    expect(res.status, res.text).toBe(204);
    expect(res.text).toBe('');

    expectError(
      await api('GET', '/auth/verify', { token: doomed.access_token }),
      401,
      'SESSION_REVOKED',
    );
    expect((await refresh(doomed.refresh_token)).status).toBe(401);
  });

  it('leaves the other sessions working and drops the ended one from the list', async () => {
    const user = await createUser();
    const keep = await signIn(user);
    const other = await signIn(user);
    const doomed = await signIn(user);
    const doomedId = await sessionIdOf(doomed.access_token);
    expect((await revoke(keep.access_token, doomedId)).status).toBe(204);

    expect(await verifyStatus(keep.access_token)).toBe(200);
    expect(await verifyStatus(other.access_token)).toBe(200);
    const rotated = await refresh(other.refresh_token);
    expect(rotated.status, rotated.text).toBe(200);
    const { items } = await listSessions(keep.access_token);
    expect(items.map((s) => s.id)).not.toContain(doomedId);
    expect(items).toHaveLength(2);
  });

  it('makes /auth/validate report the ended session as revoked', async () => {
    const user = await createUser();
    const keep = await signIn(user);
    const doomed = await signIn(user);
    expect((await revoke(keep.access_token, await sessionIdOf(doomed.access_token))).status).toBe(
      204,
    );
    const res = await api('POST', '/auth/validate', {
      headers: serviceHeaders(),
      json: { token: doomed.access_token },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ valid: false, reason: 'revoked' });
  });

  it('can end the calling session itself', async () => {
    const user = await createSignedInUser();
    const sid = await sessionIdOf(user.access_token);
    expect((await revoke(user.access_token, sid)).status).toBe(204);
    expect(await verifyStatus(user.access_token)).toBe(401);
  });

  it("answers 404 for another user's session id, and that session keeps working", async () => {
    const alice = await createSignedInUser();
    const bob = await createSignedInUser();
    const bobSession = await sessionIdOf(bob.access_token);

    expectError(await revoke(alice.access_token, bobSession), 404, 'NOT_FOUND');

    expect(await verifyStatus(bob.access_token)).toBe(200);
    const rotated = await refresh(bob.refresh_token);
    expect(rotated.status, rotated.text).toBe(200);
  });

  it('answers 404 for a session that has already ended and for an unknown id', async () => {
    const user = await createUser();
    const keep = await signIn(user);
    const ended = await signIn(user);
    const endedId = await sessionIdOf(ended.access_token);
    expect((await revoke(keep.access_token, endedId)).status).toBe(204);
    expectError(await revoke(keep.access_token, endedId), 404, 'NOT_FOUND');
    expectError(await revoke(keep.access_token, crypto.randomUUID()), 404, 'NOT_FOUND');
  });

  it('answers 422 VALIDATION_ERROR for a malformed session id', async () => {
    const user = await createSignedInUser();
    for (const bad of ['not-a-uuid', '1234', "x'%20OR%201=1"]) {
      const res = await revoke(user.access_token, bad);
      expectError(res, 422, 'VALIDATION_ERROR');
      expect(res.body.errors).toEqual(expect.any(Array));
    }
    expect(await verifyStatus(user.access_token)).toBe(200);
  });

  it('answers 401 without a bearer token and ends nothing', async () => {
    const user = await createSignedInUser();
    const sid = await sessionIdOf(user.access_token);
    expectError(await api('DELETE', `/auth/sessions/${sid}`), 401, 'INVALID_TOKEN');
    expect(await verifyStatus(user.access_token)).toBe(200);
  });

  it("lets an admin end another user's session with ?user_id=", async () => {
    const admin = await createSignedInAdmin();
    const user = await createUser();
    const doomed = await signIn(user);
    const keep = await signIn(user);
    const doomedId = await sessionIdOf(doomed.access_token);

    const res = await revoke(admin.access_token, doomedId, `?user_id=${user.id}`);
    expect(res.status, res.text).toBe(204);

    expectError(
      await api('GET', '/auth/verify', { token: doomed.access_token }),
      401,
      'SESSION_REVOKED',
    );
    expect(await verifyStatus(keep.access_token)).toBe(200);
    expect(await verifyStatus(admin.access_token)).toBe(200);
  });

  it('answers 404 to an admin whose ?user_id= does not own the session', async () => {
    const admin = await createSignedInAdmin();
    const owner = await createSignedInUser();
    const stranger = await createUser();
    const sid = await sessionIdOf(owner.access_token);
    expectError(await revoke(admin.access_token, sid, `?user_id=${stranger.id}`), 404, 'NOT_FOUND');
    expect(await verifyStatus(owner.access_token)).toBe(200);
  });

  it('answers 403 to a non-admin using ?user_id= of someone else, and ends nothing', async () => {
    const mallory = await createSignedInUser();
    const victim = await createSignedInUser();
    const victimSession = await sessionIdOf(victim.access_token);

    expectError(
      await revoke(mallory.access_token, victimSession, `?user_id=${victim.id}`),
      403,
      'FORBIDDEN',
    );
    expect(await verifyStatus(victim.access_token)).toBe(200);
  });

  it('lets a user name themself in ?user_id=', async () => {
    const user = await createUser();
    const keep = await signIn(user);
    const doomed = await signIn(user);
    const doomedId = await sessionIdOf(doomed.access_token);
    expect((await revoke(keep.access_token, doomedId, `?user_id=${user.id}`)).status).toBe(204);
    expect(await verifyStatus(doomed.access_token)).toBe(401);
  });
});

describe('per-user session cap (MAX_SESSIONS_PER_USER = 10)', () => {
  it('ends the oldest session when the 11th starts, and keeps the 10 newest', async () => {
    const user = await createUser();
    const pairs = [];
    for (let i = 0; i < 10; i++) pairs.push(await signIn(user));
    for (const p of pairs) expect(await verifyStatus(p.access_token)).toBe(200);

    const eleventh = await signIn(user);

    expectError(
      await api('GET', '/auth/verify', { token: pairs[0]!.access_token }),
      401,
      'SESSION_REVOKED',
    );
    expect((await refresh(pairs[0]!.refresh_token)).status).toBe(401);
    for (const p of [...pairs.slice(1), eleventh])
      expect(await verifyStatus(p.access_token)).toBe(200);
    const { items } = await listSessions(eleventh.access_token);
    expect(items).toHaveLength(10);
  });

  it('evicts in order: with a cap of 2, each new login ends the then-oldest session', async () => {
    const user = await createUser();
    const cap = { MAX_SESSIONS_PER_USER: '2' };
    const login = async () => {
      const res = await apiWithEnv(cap, 'POST', '/auth/login', {
        json: { email: user.email, password: user.password },
      });
      expect(res.status, res.text).toBe(200);
      return res.body.access_token as string;
    };
    const a = await login();
    const b = await login();
    expect([await verifyStatus(a), await verifyStatus(b)]).toEqual([200, 200]);
    const c = await login();
    expect([await verifyStatus(a), await verifyStatus(b), await verifyStatus(c)]).toEqual([
      401, 200, 200,
    ]);
    const d = await login();
    expect([await verifyStatus(b), await verifyStatus(c), await verifyStatus(d)]).toEqual([
      401, 200, 200,
    ]);
  });
});
