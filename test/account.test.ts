import { describe, expect, it } from 'vitest';
import {
  ageSession,
  api,
  createSignedInUser,
  createUser,
  env,
  expectError,
  signIn,
  STRONG_PASSWORD,
} from './helpers';
import {
  createSignedInAdmin,
  expectAllRevoked,
  serviceHeaders,
  waitForActions,
} from './helpers-admin';

const NEW_PASSWORD = 'Saffron-Heron-77';

const login = (email: string, password: string) =>
  api('POST', '/auth/login', { json: { email, password } });

const deleteUser = (
  userId: string,
  token?: string,
  headers?: Record<string, string>,
  json?: Record<string, unknown>,
) => api('DELETE', `/auth/users/${userId}`, { token, headers, json });

const changePassword = (token: string, current_password: string, new_password: string) =>
  api('POST', '/auth/change-password', { token, json: { current_password, new_password } });

const userExists = async (userId: string) =>
  (await env.DB.prepare('SELECT id FROM users WHERE id = ?').bind(userId).first()) !== null;

/** A user signed in on `count` devices. */
async function userOnDevices(count: number) {
  const user = await createUser();
  const sessions = [];
  for (let i = 0; i < count; i++) sessions.push(await signIn(user));
  return { ...user, sessions };
}

describe('DELETE /auth/users/{user_id}', () => {
  it('lets a user delete themself: 204 with no body', async () => {
    const user = await createSignedInUser();
    const res = await deleteUser(user.id, user.access_token);
    expect(res.status, res.text).toBe(204);
    expect(res.text).toBe('');
    expect(await userExists(user.id)).toBe(false);
  });

  it('ends every session at once: each access token 401, each refresh token 401', async () => {
    const user = await userOnDevices(3);
    const res = await deleteUser(user.id, user.sessions[0]!.access_token);
    expect(res.status, res.text).toBe(204);
    await expectAllRevoked(user.sessions.map((s) => s.access_token));
    for (const s of user.sessions) {
      const refreshed = await api('POST', '/auth/refresh', {
        json: { refresh_token: s.refresh_token },
      });
      expect(refreshed.status, refreshed.text).toBe(401);
    }
  });

  it('makes the old credentials fail like any unknown account (401 INVALID_CREDENTIALS)', async () => {
    const user = await createSignedInUser();
    expect((await deleteUser(user.id, user.access_token)).status).toBe(204);
    expectError(await login(user.email, user.password), 401, 'INVALID_CREDENTIALS');
  });

  it('lets the same email register again as a new account with a new id and fresh state', async () => {
    const user = await createSignedInUser();
    expect((await deleteUser(user.id, user.access_token)).status).toBe(204);
    const again = await api('POST', '/auth/register', {
      json: { email: user.email, password: NEW_PASSWORD },
    });
    expect(again.status, again.text).toBe(201);
    expect(again.body.user_id).not.toBe(user.id);
    const fresh = await signIn({ email: user.email, password: NEW_PASSWORD });
    const verify = await api('GET', '/auth/verify', { token: fresh.access_token });
    expect(verify.body).toMatchObject({
      valid: true,
      user_id: again.body.user_id,
      roles: ['user'],
    });
    // The old account's tokens stay dead; the old password does not open the new account.
    await expectAllRevoked([user.access_token]);
    expectError(await login(user.email, user.password), 401, 'INVALID_CREDENTIALS');
  });

  it("lets an admin delete another user, ending that user's sessions and not the admin's", async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    const res = await deleteUser(user.id, admin.access_token);
    expect(res.status, res.text).toBe(204);
    expect(await userExists(user.id)).toBe(false);
    await expectAllRevoked([user.access_token]);
    expect((await api('GET', '/auth/verify', { token: admin.access_token })).status).toBe(200);
  });

  it('answers 403 when a non-admin deletes another user, and the target survives', async () => {
    const attacker = await createSignedInUser();
    const victim = await createSignedInUser();
    expectError(await deleteUser(victim.id, attacker.access_token), 403, 'FORBIDDEN');
    expect(await userExists(victim.id)).toBe(true);
    expect((await api('GET', '/auth/verify', { token: victim.access_token })).status).toBe(200);
    await signIn(victim);
  });

  it('does not let a service key delete accounts (401), nor an anonymous caller', async () => {
    const user = await createUser();
    expectError(await deleteUser(user.id, undefined, serviceHeaders()), 401, 'INVALID_TOKEN');
    expectError(await deleteUser(user.id), 401, 'INVALID_TOKEN');
    expect(await userExists(user.id)).toBe(true);
  });

  it('answers 404 to an admin for an unknown id and 422 for a malformed id', async () => {
    const admin = await createSignedInAdmin();
    expectError(await deleteUser(crypto.randomUUID(), admin.access_token), 404, 'NOT_FOUND');
    expectError(await deleteUser('not-a-uuid', admin.access_token), 422, 'VALIDATION_ERROR');
  });

  it("records 'deleted' with the actor in the trail that outlives the account", async () => {
    const admin = await createSignedInAdmin();
    const user = await createUser();
    expect((await deleteUser(user.id, admin.access_token)).status).toBe(204);
    const items = await waitForActions(user.id, admin.access_token, ['deleted']);
    expect(items.find((e) => e.action === 'deleted')?.actor_id).toBe(admin.id);
  });
});

describe('DELETE /auth/users/{user_id} re-authentication', () => {
  it('refuses a session whose sign-in is older than 5 minutes, without a password (401), and deletes nothing', async () => {
    const user = await createSignedInUser();
    await ageSession(user.id, user.access_token, 6);
    expectError(await deleteUser(user.id, user.access_token), 401, 'INVALID_CREDENTIALS');
    expect(await userExists(user.id)).toBe(true);
    expect((await api('GET', '/auth/verify', { token: user.access_token })).status).toBe(200);
  });

  it('refuses a wrong password (401) and deletes nothing', async () => {
    const user = await createSignedInUser();
    await ageSession(user.id, user.access_token, 6);
    const res = await deleteUser(user.id, user.access_token, undefined, {
      password: 'Wrong-Password-1',
    });
    expectError(res, 401, 'INVALID_CREDENTIALS');
    expect(await userExists(user.id)).toBe(true);
  });

  it('deletes with the right password from an old session (204)', async () => {
    const user = await createSignedInUser();
    await ageSession(user.id, user.access_token, 60);
    const res = await deleteUser(user.id, user.access_token, undefined, {
      password: user.password,
    });
    expect(res.status, res.text).toBe(204);
    expect(await userExists(user.id)).toBe(false);
  });

  it('deletes without a password right after a sign-in (204)', async () => {
    const user = await createSignedInUser();
    await ageSession(user.id, user.access_token, 4);
    expect((await deleteUser(user.id, user.access_token)).status).toBe(204);
    expect(await userExists(user.id)).toBe(false);
  });

  it('does not count a refresh as a sign-in: the session stays as old as its login', async () => {
    const user = await createSignedInUser();
    await ageSession(user.id, user.access_token, 6);
    const refreshed = await api('POST', '/auth/refresh', {
      json: { refresh_token: user.refresh_token },
    });
    expect(refreshed.status, refreshed.text).toBe(200);
    expectError(await deleteUser(user.id, refreshed.body.access_token), 401, 'INVALID_CREDENTIALS');
    expect(await userExists(user.id)).toBe(true);
  });

  it('counts wrong passwords toward the lockout: after 5, 423 even with the right one', async () => {
    const user = await createSignedInUser();
    await ageSession(user.id, user.access_token, 6);
    for (let i = 0; i < 5; i++) {
      const wrong = await deleteUser(user.id, user.access_token, undefined, {
        password: 'Wrong-Password-1',
      });
      expectError(wrong, 401, 'INVALID_CREDENTIALS');
    }
    const locked = await deleteUser(user.id, user.access_token, undefined, {
      password: user.password,
    });
    expectError(locked, 423, 'ACCOUNT_LOCKED');
    expect(await userExists(user.id)).toBe(true);
  });

  it('asks nothing of an admin deleting another user, however old the admin session', async () => {
    const admin = await createSignedInAdmin();
    await ageSession(admin.id, admin.access_token, 60);
    const user = await createSignedInUser();
    expect((await deleteUser(user.id, admin.access_token)).status).toBe(204);
    expect(await userExists(user.id)).toBe(false);
  });

  it('refuses unknown fields and a non-string password with 422', async () => {
    const user = await createSignedInUser();
    for (const json of [{ password: user.password, force: true }, { password: 42 }]) {
      expectError(
        await deleteUser(user.id, user.access_token, undefined, json),
        422,
        'VALIDATION_ERROR',
      );
    }
    expect(await userExists(user.id)).toBe(true);
  });
});

describe('POST /auth/change-password', () => {
  it('refuses a wrong current password with 401 and keeps the old password', async () => {
    const user = await createSignedInUser();
    const res = await changePassword(user.access_token, 'Wrong-Password-1', NEW_PASSWORD);
    expectError(res, 401, 'INVALID_CREDENTIALS');
    await signIn(user);
    expectError(await login(user.email, NEW_PASSWORD), 401, 'INVALID_CREDENTIALS');
  });

  it('counts wrong current passwords toward the lockout: after 5, 423 with Retry-After', async () => {
    const user = await createSignedInUser();
    for (let i = 0; i < 5; i++) {
      expectError(
        await changePassword(user.access_token, 'Wrong-Password-1', NEW_PASSWORD),
        401,
        'INVALID_CREDENTIALS',
      );
    }
    const locked = await changePassword(user.access_token, user.password, NEW_PASSWORD);
    expectError(locked, 423, 'ACCOUNT_LOCKED');
    expect(Number(locked.headers.get('Retry-After'))).toBeGreaterThan(0);
    // The lock is the account's: login with the right password is refused too.
    expectError(await login(user.email, user.password), 423, 'ACCOUNT_LOCKED');
  });

  it.each([
    ['too short', 'Ab1-xyz'],
    ['a common password', 'Password123'],
    ['without composition', 'alllowercaseletters'],
  ])(
    'refuses a weak new password (%s) with 422 WEAK_PASSWORD on new_password',
    async (_w, weak) => {
      const user = await createSignedInUser();
      const res = await changePassword(user.access_token, user.password, weak);
      const body = expectError(res, 422, 'WEAK_PASSWORD');
      expect(body.errors.length).toBeGreaterThan(0);
      for (const e of body.errors) expect(e.field).toBe('new_password');
      await signIn(user);
      expectError(await login(user.email, weak), 401, 'INVALID_CREDENTIALS');
    },
  );

  it('changes the password: 200, this session stays, every other session ends', async () => {
    const user = await userOnDevices(3);
    const [current, ...others] = user.sessions as [
      (typeof user.sessions)[number],
      ...typeof user.sessions,
    ];
    const res = await changePassword(current.access_token, user.password, NEW_PASSWORD);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ message: expect.any(String) });
    expect(res.text).not.toContain(NEW_PASSWORD);

    expect((await api('GET', '/auth/verify', { token: current.access_token })).status).toBe(200);
    await expectAllRevoked(others.map((s) => s.access_token));
    for (const s of others) {
      const refreshed = await api('POST', '/auth/refresh', {
        json: { refresh_token: s.refresh_token },
      });
      expect(refreshed.status, refreshed.text).toBe(401);
    }
    // The kept session can still refresh.
    const kept = await api('POST', '/auth/refresh', {
      json: { refresh_token: current.refresh_token },
    });
    expect(kept.status, kept.text).toBe(200);
  });

  it('makes the old password fail and the new one work at login', async () => {
    const user = await createSignedInUser();
    expect((await changePassword(user.access_token, user.password, NEW_PASSWORD)).status).toBe(200);
    expectError(await login(user.email, STRONG_PASSWORD), 401, 'INVALID_CREDENTIALS');
    await signIn({ email: user.email, password: NEW_PASSWORD });
  });

  it('needs a live bearer session (401 without one or after logout)', async () => {
    const user = await createSignedInUser();
    expectError(
      await api('POST', '/auth/change-password', {
        json: { current_password: user.password, new_password: NEW_PASSWORD },
      }),
      401,
      'INVALID_TOKEN',
    );
    expect((await api('POST', '/auth/logout', { token: user.access_token })).status).toBe(200);
    expectError(
      await changePassword(user.access_token, user.password, NEW_PASSWORD),
      401,
      'SESSION_REVOKED',
    );
    await signIn(user);
  });
});
