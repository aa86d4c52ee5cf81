import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { exports } from 'cloudflare:workers';
import {
  createSignedInAdmin,
  grantRoleInDb,
  serviceHeaders,
  waitForActivity,
} from './helpers-admin';
import { createMfaUser } from './helpers-mfa';
import {
  api,
  apiWithEnv,
  createSignedInUser,
  createUser,
  env,
  expectError,
  STRONG_PASSWORD,
} from './helpers';

// Impersonation (api.md "Admin console", security.md): what an admin gets, what the session
// may not do, and who may start one, all through HTTP as a caller would try it.

const impersonate = (userId: string, token?: string) =>
  api('POST', `/admin/users/${userId}/impersonate`, { token });

/** An admin, and an impersonation session of a fresh user (with TOTP on). */
async function started() {
  const admin = await createSignedInAdmin();
  const user = await createMfaUser();
  const res = await impersonate(user.id, admin.access_token);
  expect(res.status, res.text).toBe(201);
  return { admin, user, session: res.body as Record<string, string> };
}

describe('POST /admin/users/{user_id}/impersonate', () => {
  it('gives an admin a session of the user whose tokens carry act.sub = the admin, for an hour at most', async () => {
    const { admin, user, session } = await started();
    const claims = decodeJwt(session.access_token!);
    expect(claims.sub).toBe(user.id);
    expect(claims.act).toEqual({ sub: admin.id });
    expect(claims.sid).toBe(session.session_id);
    const left = Date.parse(session.expires_at!) - Date.now();
    expect(left).toBeGreaterThan(55 * 60_000);
    expect(left).toBeLessThanOrEqual(60 * 60_000);

    // The token works as the user's, and a refresh keeps the act claim (read from the session).
    const me = await api('GET', '/auth/me', { token: session.access_token });
    expect(me.status, me.text).toBe(200);
    expect(me.body.email).toBe(user.email);
    const refreshed = await api('POST', '/auth/refresh', {
      json: { refresh_token: session.refresh_token },
    });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(decodeJwt(refreshed.body.access_token).act).toEqual({ sub: admin.id });

    // Services asking about the token learn it is an impersonation (HTTP and RPC alike).
    const validated = await api('POST', '/auth/validate', {
      headers: serviceHeaders(),
      json: { token: refreshed.body.access_token },
    });
    expect(validated.body).toMatchObject({ valid: true, user_id: user.id, act: { sub: admin.id } });
    expect(await exports.AuthService.verify(session.access_token!)).toMatchObject({
      act: { sub: admin.id },
    });
  });

  it("shows the session in the user's session list with impersonated_by, and logout ends it", async () => {
    const { admin, user, session } = await started();
    const list = await api('GET', '/auth/sessions', { token: user.access_token });
    expect(list.status, list.text).toBe(200);
    const items = list.body.items as { id: string; impersonated_by: string | null }[];
    expect(items.find((s) => s.id === session.session_id)?.impersonated_by).toBe(admin.id);
    expect(items.find((s) => s.id !== session.session_id)?.impersonated_by).toBeNull();

    const out = await api('POST', '/auth/logout', { token: session.access_token });
    expect(out.status, out.text).toBe(200);
    expectError(
      await api('GET', '/auth/me', { token: session.access_token }),
      401,
      'SESSION_REVOKED',
    );
    // The user's own session is untouched.
    expect((await api('GET', '/auth/verify', { token: user.access_token })).status).toBe(200);
  });

  it('refuses to change the password, add or remove factors or passkeys, or delete the account (403)', async () => {
    const { user, session } = await started();
    const token = session.access_token;
    const tries = [
      api('POST', '/auth/change-password', {
        token,
        json: { current_password: STRONG_PASSWORD, new_password: 'Another-Otter-77' },
      }),
      api('POST', '/mfa/setup', { token, json: { type: 'totp' } }),
      api('DELETE', `/mfa/methods/${user.methodId}`, { token }),
      api('POST', '/mfa/backup-codes/regenerate', { token, json: {} }),
      api('POST', '/passkeys/register/options', { token, json: {} }),
      api('DELETE', `/auth/users/${user.id}`, { token, json: { password: STRONG_PASSWORD } }),
    ];
    for (const res of await Promise.all(tries)) expectError(res, 403, 'FORBIDDEN');

    // Nothing changed: the password still signs in, the factor is still there.
    const login = await api('POST', '/auth/login', {
      json: { email: user.email, password: STRONG_PASSWORD },
    });
    expect(login.status, login.text).toBe(200);
    expect(login.body.mfa_required).toBe(true);
  });

  it('audits the start on both accounts', async () => {
    const { admin, user, session } = await started();
    const mine = await waitForActivity(user.id, admin.access_token, (items) =>
      items.some((e) => e.action === 'impersonation_started'),
    );
    expect(mine.find((e) => e.action === 'impersonation_started')).toMatchObject({
      actor_id: admin.id,
      metadata: { session_id: session.session_id },
    });
    const theirs = await waitForActivity(admin.id, admin.access_token, (items) =>
      items.some((e) => e.action === 'impersonation_started'),
    );
    expect(theirs.find((e) => e.action === 'impersonation_started')).toMatchObject({
      actor_id: admin.id,
      metadata: { session_id: session.session_id, impersonated_user_id: user.id },
    });
  });

  it('never impersonates an admin (nor oneself): 403, and no session starts', async () => {
    const admin = await createSignedInAdmin();
    const other = await createSignedInAdmin();
    const sessionsOf = async () =>
      ((await api('GET', '/auth/sessions', { token: other.access_token })).body.items as unknown[])
        .length;
    const before = await sessionsOf();
    expectError(await impersonate(other.id, admin.access_token), 403, 'FORBIDDEN');
    expectError(await impersonate(admin.id, admin.access_token), 403, 'FORBIDDEN');
    expect(await sessionsOf()).toBe(before);
  });

  it('needs users:admin: a plain user gets 403, a signed-out caller 401; an unknown user is 404', async () => {
    const admin = await createSignedInAdmin();
    const plain = await createSignedInUser();
    const target = await createUser();
    expectError(await impersonate(target.id, plain.access_token), 403, 'FORBIDDEN');
    expectError(await impersonate(target.id), 401, 'INVALID_TOKEN');
    expectError(
      await impersonate('00000000-0000-4000-8000-000000000000', admin.access_token),
      404,
      'NOT_FOUND',
    );
  });

  it('lets a role holding only users:admin impersonate', async () => {
    await env.DB.prepare(
      "INSERT OR IGNORE INTO roles (name, description, created_at) VALUES ('support', '', ?)",
    )
      .bind(Date.now())
      .run();
    await env.DB.prepare(
      "INSERT OR IGNORE INTO role_permissions (role, permission) VALUES ('support', 'users:admin')",
    ).run();
    const agent = await createSignedInUser();
    await grantRoleInDb(agent.id, 'support');
    const target = await createUser();
    const res = await impersonate(target.id, agent.access_token);
    expect(res.status, res.text).toBe(201);
    expect(decodeJwt(res.body.access_token).act).toEqual({ sub: agent.id });
  });

  it("neither counts toward the user's session cap nor pushes out one of their sessions", async () => {
    const CAP = { MAX_SESSIONS_PER_USER: '2' };
    const admin = await createSignedInAdmin();
    const { id, ...user } = await createUser();
    const first = (await apiWithEnv(CAP, 'POST', '/auth/login', { json: user })).body;
    const second = (await apiWithEnv(CAP, 'POST', '/auth/login', { json: user })).body;
    const started = await apiWithEnv(CAP, 'POST', `/admin/users/${id}/impersonate`, {
      token: admin.access_token,
    });
    expect(started.status, started.text).toBe(201);
    for (const token of [first.access_token, second.access_token, started.body.access_token]) {
      expect((await api('GET', '/auth/verify', { token })).status).toBe(200);
    }
    // The user's third sign-in ends their oldest session only.
    const third = await apiWithEnv(CAP, 'POST', '/auth/login', { json: user });
    expect(third.status).toBe(200);
    expect((await api('GET', '/auth/verify', { token: first.access_token })).status).toBe(401);
    for (const token of [second.access_token, started.body.access_token]) {
      expect((await api('GET', '/auth/verify', { token })).status).toBe(200);
    }
  });

  it('ends at the next refresh once the admin lost users:admin', async () => {
    const { admin, session } = await started();
    const other = await createSignedInAdmin();
    const demoted = await api('DELETE', `/admin/users/${admin.id}/roles/admin`, {
      token: other.access_token,
    });
    expect(demoted.status, demoted.text).toBe(200);
    expectError(
      await api('POST', '/auth/refresh', { json: { refresh_token: session.refresh_token } }),
      401,
      'SESSION_REVOKED',
    );
    expectError(
      await api('GET', '/auth/me', { token: session.access_token }),
      401,
      'SESSION_REVOKED',
    );
  });

  it('refuses a suspended user: 403 ACCOUNT_SUSPENDED', async () => {
    const admin = await createSignedInAdmin();
    const target = await createUser();
    const suspend = await api('PATCH', `/admin/users/${target.id}`, {
      token: admin.access_token,
      json: { status: 'suspended' },
    });
    expect(suspend.status, suspend.text).toBe(200);
    expectError(await impersonate(target.id, admin.access_token), 403, 'ACCOUNT_SUSPENDED');
  });
});
