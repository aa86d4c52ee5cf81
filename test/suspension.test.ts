import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, createUser, expectError, signIn } from './helpers';
import {
  createSignedInAdmin,
  expectAllRevoked,
  serviceHeaders,
  waitForActions,
} from './helpers-admin';

const setStatus = (adminToken: string, userId: string, status: 'active' | 'suspended') =>
  api('PATCH', `/admin/users/${userId}`, { token: adminToken, json: { status } });

const login = (email: string, password: string) =>
  api('POST', '/auth/login', { json: { email, password } });

/** A user with `count` live sessions: the access and refresh token of each. */
async function userWithSessions(count: number) {
  const user = await createUser();
  const sessions = [];
  for (let i = 0; i < count; i++) sessions.push(await signIn(user));
  return { ...user, sessions };
}

describe('PATCH /admin/users/{user_id} {status: suspended}', () => {
  it('ends every session of the user at once: verify answers 401 SESSION_REVOKED for each token', async () => {
    const admin = await createSignedInAdmin();
    const user = await userWithSessions(3);
    for (const s of user.sessions)
      expect((await api('GET', '/auth/verify', { token: s.access_token })).status).toBe(200);

    const res = await setStatus(admin.access_token, user.id, 'suspended');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ user_id: user.id, status: 'suspended', sessions_ended: 3 });

    await expectAllRevoked(user.sessions.map((s) => s.access_token));
  });

  it('makes every refresh token of the user useless (401)', async () => {
    const admin = await createSignedInAdmin();
    const user = await userWithSessions(2);
    expect((await setStatus(admin.access_token, user.id, 'suspended')).status).toBe(200);
    for (const s of user.sessions) {
      const res = await api('POST', '/auth/refresh', { json: { refresh_token: s.refresh_token } });
      expect(res.status, res.text).toBe(401);
      expect(res.text).not.toContain('access_token');
    }
  });

  it('makes /auth/validate answer revoked and /auth/authorize refuse', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    expect((await setStatus(admin.access_token, user.id, 'suspended')).status).toBe(200);
    const validated = await api('POST', '/auth/validate', {
      headers: serviceHeaders(),
      json: { token: user.access_token },
    });
    expect(validated.status, validated.text).toBe(200);
    expect(validated.body).toEqual({ valid: false, reason: 'revoked' });
    const decision = await api('POST', '/auth/authorize', {
      headers: serviceHeaders(),
      json: { user_id: user.id, resource: 'dashboards', action: 'read' },
    });
    expect(decision.status, decision.text).toBe(200);
    expect(decision.body).toMatchObject({ allowed: false, reason: 'suspended' });
  });

  it('leaves the sessions of other users alone', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    const bystander = await createSignedInUser();
    expect((await setStatus(admin.access_token, user.id, 'suspended')).status).toBe(200);
    expect((await api('GET', '/auth/verify', { token: bystander.access_token })).status).toBe(200);
    expect((await api('GET', '/auth/verify', { token: admin.access_token })).status).toBe(200);
  });

  it('refuses the right password with 403 ACCOUNT_SUSPENDED and issues no token', async () => {
    const admin = await createSignedInAdmin();
    const user = await createUser();
    expect((await setStatus(admin.access_token, user.id, 'suspended')).status).toBe(200);
    const res = await login(user.email, user.password);
    expectError(res, 403, 'ACCOUNT_SUSPENDED');
    expect(res.text).not.toContain('access_token');
    expect(res.text).not.toContain('refresh_token');
  });

  it('answers a wrong password exactly as for an active account, so suspension is no oracle', async () => {
    const admin = await createSignedInAdmin();
    const suspended = await createUser();
    const active = await createUser();
    expect((await setStatus(admin.access_token, suspended.id, 'suspended')).status).toBe(200);
    const onSuspended = await login(suspended.email, 'Wrong-Password-1');
    const onActive = await login(active.email, 'Wrong-Password-1');
    expectError(onSuspended, 401, 'INVALID_CREDENTIALS');
    expectError(onActive, 401, 'INVALID_CREDENTIALS');
    expect(onSuspended.body.detail).toBe(onActive.body.detail);
    expect(Object.keys(onSuspended.body).sort()).toEqual(Object.keys(onActive.body).sort());
  });

  it('leaves no live session behind when logins race with the suspension', async () => {
    const admin = await createSignedInAdmin();
    const user = await createUser();
    const [suspended, ...logins] = await Promise.all([
      setStatus(admin.access_token, user.id, 'suspended'),
      // Four: every attempt reserves a lockout slot until it is evaluated, so five or more
      // parallel logins would trip the (separately tested) account lockout.
      ...Array.from({ length: 4 }, () => login(user.email, user.password)),
    ]);
    expect(suspended.status, suspended.text).toBe(200);
    for (const res of logins) {
      expect([200, 403], res.text).toContain(res.status);
      if (res.status === 200) {
        const verify = await api('GET', '/auth/verify', { token: res.body.access_token });
        expect(verify.status, 'a racing login kept a live session').toBe(401);
      }
    }
    expectError(await login(user.email, user.password), 403, 'ACCOUNT_SUSPENDED');
  });

  it('refuses to let an admin suspend themself (409) and leaves their session live', async () => {
    const admin = await createSignedInAdmin();
    expectError(await setStatus(admin.access_token, admin.id, 'suspended'), 409, 'CONFLICT');
    expect((await api('GET', '/auth/verify', { token: admin.access_token })).status).toBe(200);
    await signIn(admin);
  });

  it('answers 404 for an unknown user and 422 for a status that is not active|suspended', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    expectError(
      await setStatus(admin.access_token, crypto.randomUUID(), 'suspended'),
      404,
      'NOT_FOUND',
    );
    for (const status of ['banned', 'SUSPENDED', '', null, true]) {
      const res = await api('PATCH', `/admin/users/${user.id}`, {
        token: admin.access_token,
        json: { status },
      });
      const body = expectError(res, 422, 'VALIDATION_ERROR');
      expect(body.errors.map((e: { field: string }) => e.field)).toContain('status');
    }
    expect((await api('GET', '/auth/verify', { token: user.access_token })).status).toBe(200);
  });
});

describe('PATCH /admin/users/{user_id} {status: active}', () => {
  it('lets a suspended user log in again, without reviving the sessions suspension ended', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    expect((await setStatus(admin.access_token, user.id, 'suspended')).status).toBe(200);
    expectError(await login(user.email, user.password), 403, 'ACCOUNT_SUSPENDED');

    const res = await setStatus(admin.access_token, user.id, 'active');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ user_id: user.id, status: 'active', sessions_ended: 0 });

    const fresh = await signIn(user);
    expect((await api('GET', '/auth/verify', { token: fresh.access_token })).status).toBe(200);
    await expectAllRevoked([user.access_token]);
    expect(
      (await api('POST', '/auth/refresh', { json: { refresh_token: user.refresh_token } })).status,
    ).toBe(401);
  });
});

describe('audit of suspension', () => {
  it("records 'suspended' and 'reactivated' in the user's activity, with the admin as actor", async () => {
    const admin = await createSignedInAdmin();
    const user = await createUser();
    expect((await setStatus(admin.access_token, user.id, 'suspended')).status).toBe(200);
    expect((await setStatus(admin.access_token, user.id, 'active')).status).toBe(200);
    const items = await waitForActions(user.id, admin.access_token, ['suspended', 'reactivated']);
    const suspended = items.find((e) => e.action === 'suspended')!;
    const reactivated = items.find((e) => e.action === 'reactivated')!;
    expect(suspended.actor_id).toBe(admin.id);
    expect(reactivated.actor_id).toBe(admin.id);
    // Newest first: the reactivation follows the suspension.
    expect(items.indexOf(reactivated)).toBeLessThan(items.indexOf(suspended));
    // A refused self-suspension changes nothing and so records nothing.
    expectError(await setStatus(admin.access_token, admin.id, 'suspended'), 409, 'CONFLICT');
    const own = await waitForActions(admin.id, admin.access_token, ['registered']);
    expect(own.map((e) => e.action)).not.toContain('suspended');
  });
});
