import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  api,
  apiWithEnv,
  createSignedInUser,
  createUser,
  env,
  expectError,
  signIn,
  unreachableD1,
} from './helpers';
import { createSignedInAdmin } from './helpers-admin';
import { sleep } from './helpers-mail';

// GET /auth/verify reports the roles the user has now, not the ones the token was signed with,
// while staying one call (the session check) when roles have not changed.

const verify = (token: string) => api('GET', '/auth/verify', { token });

const assignRole = (adminToken: string, userId: string, role: string) =>
  api('POST', `/admin/users/${userId}/roles`, { token: adminToken, json: { role } });
const removeRole = (adminToken: string, userId: string, role: string) =>
  api('DELETE', `/admin/users/${userId}/roles/${role}`, { token: adminToken });

const verifyWithoutD1 = (token: string) =>
  apiWithEnv({ DB: unreachableD1 }, 'GET', '/auth/verify', { token });

/** A signed-in user who holds 'view' in the token and in D1. */
async function viewer(adminToken: string) {
  const user = await createUser();
  expect((await assignRole(adminToken, user.id, 'view')).status).toBe(200);
  const tokens = await signIn(user);
  expect(decodeJwt(tokens.access_token).roles).toEqual(['user', 'view']);
  return { ...user, ...tokens };
}

describe('GET /auth/verify and role changes', () => {
  it('stops reporting a removed role at once, for the same access token', async () => {
    const admin = await createSignedInAdmin();
    const user = await viewer(admin.access_token);
    expect((await verify(user.access_token)).body.roles).toEqual(['user', 'view']);

    const removed = await removeRole(admin.access_token, user.id, 'view');
    expect(removed.status, removed.text).toBe(200);
    // The token still claims the role; verify does not.
    expect(decodeJwt(user.access_token).roles).toEqual(['user', 'view']);
    const res = await verify(user.access_token);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ valid: true, user_id: user.id, roles: ['user'] });
  });

  it('stops reporting a removed admin role on every live session of the user', async () => {
    const admin = await createSignedInAdmin();
    const other = await createSignedInAdmin();
    const second = await signIn(other);
    expect((await removeRole(admin.access_token, other.id, 'admin')).status).toBe(200);
    for (const token of [other.access_token, second.access_token]) {
      const res = await verify(token);
      expect(res.status, res.text).toBe(200);
      expect(res.body.roles).not.toContain('admin');
    }
  });

  it('reports a newly assigned role at once', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    expect((await assignRole(admin.access_token, user.id, 'view')).status).toBe(200);
    expect((await verify(user.access_token)).body.roles).toEqual(['user', 'view']);
  });

  it("does not touch another user's tokens", async () => {
    const admin = await createSignedInAdmin();
    const changed = await viewer(admin.access_token);
    const bystander = await createSignedInUser();
    expect((await removeRole(admin.access_token, changed.id, 'view')).status).toBe(200);
    // The bystander's verify is still answered without D1.
    const res = await verifyWithoutD1(bystander.access_token);
    expect(res.status, res.text).toBe(200);
    expect(res.body.roles).toEqual(['user']);
  });
});

describe('GET /auth/verify round trips', () => {
  it('makes no D1 call while the roles have not changed since the token was issued', async () => {
    const user = await createSignedInUser();
    const res = await verifyWithoutD1(user.access_token);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ valid: true, user_id: user.id, roles: ['user'] });
  });

  it('reads D1 for a token older than a role change (fails closed, 503, when D1 is down), and stops once a newer token is issued', async () => {
    const admin = await createSignedInAdmin();
    const user = await viewer(admin.access_token);
    expect((await removeRole(admin.access_token, user.id, 'view')).status).toBe(200);
    const stale = await verifyWithoutD1(user.access_token);
    expectError(stale, 503, 'DEPENDENCY_UNAVAILABLE');
    expect(stale.body.valid).toBeUndefined();

    // iat has one-second resolution: a token from the next second on is newer than the change.
    await sleep(1_100);
    const refreshed = await api('POST', '/auth/refresh', {
      json: { refresh_token: user.refresh_token },
    });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(decodeJwt(refreshed.body.access_token).roles).toEqual(['user']);
    const fresh = await verifyWithoutD1(refreshed.body.access_token);
    expect(fresh.status, fresh.text).toBe(200);
    expect(fresh.body.roles).toEqual(['user']);
  });

  it("records the time of the change in the user's SessionStore", async () => {
    const admin = await createSignedInAdmin();
    const user = await viewer(admin.access_token);
    const store = env.SESSIONS.get(env.SESSIONS.idFromName(user.id));
    const sid = String(decodeJwt(user.access_token).sid);
    expect((await store.check(sid, Date.now())).rolesChangedAt).toEqual(expect.any(Number));
    const before = Date.now();
    expect((await removeRole(admin.access_token, user.id, 'view')).status).toBe(200);
    const { rolesChangedAt } = await store.check(sid, Date.now());
    expect(rolesChangedAt).toBeGreaterThanOrEqual(before);
    expect(rolesChangedAt).toBeLessThanOrEqual(Date.now());
  });
});
