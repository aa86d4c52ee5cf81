import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, createUser, expectError, signIn } from './helpers';
import { createSignedInAdmin, grantRoleInDb, serviceHeaders } from './helpers-admin';
import { latestToken, VERIFY_SUBJECT } from './helpers-mail';

/** A role name no other test in this file uses (api.md: 2-32 of [a-z0-9_-], letter first). */
const roleName = () => `r_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;

const rolesOf = async (userId: string, token: string) => {
  const res = await api('GET', `/auth/roles/${userId}`, { token });
  expect(res.status, res.text).toBe(200);
  return res.body.roles as string[];
};

/** POST /auth/authorize as the user themself, with their (possibly stale) access token. */
const authorizeSelf = (token: string, resource: string, action: string) =>
  api('POST', '/auth/authorize', { token, json: { resource, action } });

/** POST /auth/authorize as a service, naming the user. */
const authorizeAsService = (userId: string, resource: string, action: string) =>
  api('POST', '/auth/authorize', {
    headers: serviceHeaders(),
    json: { user_id: userId, resource, action },
  });

function allowed(res: Awaited<ReturnType<typeof authorizeSelf>>) {
  expect(res.status, res.text).toBe(200);
  return res.body.allowed as boolean;
}

/** Creates a role through the admin API and returns its name. */
async function createRole(adminToken: string, permissions: string[], name = roleName()) {
  const res = await api('POST', '/admin/roles', {
    token: adminToken,
    json: { name, description: 'test role', permissions },
  });
  expect(res.status, res.text).toBe(201);
  return name;
}

async function assignRole(adminToken: string, userId: string, role: string) {
  const res = await api('POST', `/admin/users/${userId}/roles`, {
    token: adminToken,
    json: { role },
  });
  expect(res.status, res.text).toBe(200);
  return res.body.roles as string[];
}

describe('default roles', () => {
  it("gives every new account the role 'user' and nothing else", async () => {
    const user = await createSignedInUser();
    const res = await api('GET', `/auth/roles/${user.id}`, { token: user.access_token });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ user_id: user.id, roles: ['user'] });
    expect(decodeJwt(user.access_token).roles).toEqual(['user']);
  });

  it('gives nothing extra to an ordinary account that verifies its email', async () => {
    const user = await createUser();
    const token = await latestToken(user.email, VERIFY_SUBJECT);
    expect((await api('POST', '/auth/verify-email', { json: { token } })).status).toBe(200);
    const tokens = await signIn(user);
    expect(await rolesOf(user.id, tokens.access_token)).toEqual(['user']);
  });
});

describe('GET /admin/roles', () => {
  it('lists the seeded roles admin, user and view with their permissions', async () => {
    const admin = await createSignedInAdmin();
    const res = await api('GET', '/admin/roles', { token: admin.access_token });
    expect(res.status, res.text).toBe(200);
    const byName = new Map(
      (res.body.items as { name: string; permissions: string[]; description: string }[]).map(
        (r) => [r.name, r],
      ),
    );
    expect(byName.get('admin')?.permissions).toEqual(['*:*']);
    expect([...byName.get('user')!.permissions].sort()).toEqual(
      [
        'analytics:read',
        'dashboards:execute',
        'dashboards:read',
        'etl_jobs:execute',
        'etl_jobs:read',
      ].sort(),
    );
    expect([...byName.get('view')!.permissions].sort()).toEqual(
      ['analytics:read', 'dashboards:read', 'etl_jobs:read'].sort(),
    );
    for (const name of ['admin', 'user', 'view'])
      expect(byName.get(name)?.description).toEqual(expect.any(String));
  });
});

describe('POST /admin/roles', () => {
  it('creates a role (201) that then appears in the list', async () => {
    const admin = await createSignedInAdmin();
    const name = roleName();
    const res = await api('POST', '/admin/roles', {
      token: admin.access_token,
      json: {
        name,
        description: 'Edits dashboards',
        permissions: ['dashboards:*', 'etl_jobs:read'],
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      name,
      description: 'Edits dashboards',
      permissions: ['dashboards:*', 'etl_jobs:read'],
    });
    const list = await api('GET', '/admin/roles', { token: admin.access_token });
    expect(list.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name, permissions: res.body.permissions }),
      ]),
    );
  });

  it('answers 409 CONFLICT for a name that exists, and leaves the role unchanged', async () => {
    const admin = await createSignedInAdmin();
    const name = await createRole(admin.access_token, ['dashboards:read']);
    const again = await api('POST', '/admin/roles', {
      token: admin.access_token,
      json: { name, permissions: ['*:*'] },
    });
    expectError(again, 409, 'CONFLICT');
    expectError(
      await api('POST', '/admin/roles', { token: admin.access_token, json: { name: 'admin' } }),
      409,
      'CONFLICT',
    );
    const list = await api('GET', '/admin/roles', { token: admin.access_token });
    const role = (list.body.items as { name: string; permissions: string[] }[]).find(
      (r) => r.name === name,
    );
    expect(role?.permissions).toEqual(['dashboards:read']);
  });

  it.each(['A', 'x', 'Editor', '1editor', 'has space', 'a'.repeat(33), 'role:x', ''])(
    'refuses the role name %j with 422 on field name',
    async (name) => {
      const admin = await createSignedInAdmin();
      const res = await api('POST', '/admin/roles', { token: admin.access_token, json: { name } });
      const body = expectError(res, 422, 'VALIDATION_ERROR');
      expect(body.errors.map((e: { field: string }) => e.field)).toContain('name');
    },
  );

  it.each([
    'dashboards',
    'Dashboards:read',
    'dashboards:read:all',
    ':read',
    'dashboards:',
    '**:read',
    'dash boards:read',
  ])('refuses the permission %j with 422 and creates nothing', async (permission) => {
    const admin = await createSignedInAdmin();
    const name = roleName();
    const res = await api('POST', '/admin/roles', {
      token: admin.access_token,
      json: { name, permissions: ['dashboards:read', permission] },
    });
    const body = expectError(res, 422, 'VALIDATION_ERROR');
    expect(body.errors.map((e: { field: string }) => e.field)).toContain('permissions.1');
    const list = await api('GET', '/admin/roles', { token: admin.access_token });
    expect(list.body.items.map((r: { name: string }) => r.name)).not.toContain(name);
  });
});

describe('granting and revoking permissions on a role', () => {
  it('grants a permission (200, the role after the grant)', async () => {
    const admin = await createSignedInAdmin();
    const name = await createRole(admin.access_token, []);
    const res = await api('POST', `/admin/roles/${name}/permissions`, {
      token: admin.access_token,
      json: { permission: 'analytics:read' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ name, permissions: ['analytics:read'] });
    // Granting twice is harmless.
    const again = await api('POST', `/admin/roles/${name}/permissions`, {
      token: admin.access_token,
      json: { permission: 'analytics:read' },
    });
    expect(again.status, again.text).toBe(200);
    expect(again.body.permissions).toEqual(['analytics:read']);
  });

  it.each([
    ['a percent-encoded colon', (p: string) => encodeURIComponent(p)],
    ['a literal colon', (p: string) => p],
  ])('revokes a permission named in the path with %s', async (_how, encode) => {
    const admin = await createSignedInAdmin();
    const name = await createRole(admin.access_token, ['etl_jobs:read', 'etl_jobs:execute']);
    const res = await api(
      'DELETE',
      `/admin/roles/${name}/permissions/${encode('etl_jobs:execute')}`,
      { token: admin.access_token },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ name, permissions: ['etl_jobs:read'] });
  });

  it('revokes a wildcard permission named with percent-encoded * and :', async () => {
    const admin = await createSignedInAdmin();
    const name = await createRole(admin.access_token, ['*:read', 'dashboards:read']);
    const res = await api('DELETE', `/admin/roles/${name}/permissions/%2A%3Aread`, {
      token: admin.access_token,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.permissions).toEqual(['dashboards:read']);
  });

  it('answers 404 for a role that does not exist, on grant and on revoke', async () => {
    const admin = await createSignedInAdmin();
    const ghost = roleName();
    expectError(
      await api('POST', `/admin/roles/${ghost}/permissions`, {
        token: admin.access_token,
        json: { permission: 'dashboards:read' },
      }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await api('DELETE', `/admin/roles/${ghost}/permissions/dashboards:read`, {
        token: admin.access_token,
      }),
      404,
      'NOT_FOUND',
    );
  });

  it('refuses a malformed permission with 422, in the body and in the path', async () => {
    const admin = await createSignedInAdmin();
    const name = await createRole(admin.access_token, []);
    expectError(
      await api('POST', `/admin/roles/${name}/permissions`, {
        token: admin.access_token,
        json: { permission: 'not-a-permission' },
      }),
      422,
      'VALIDATION_ERROR',
    );
    expectError(
      await api('DELETE', `/admin/roles/${name}/permissions/not-a-permission`, {
        token: admin.access_token,
      }),
      422,
      'VALIDATION_ERROR',
    );
  });
});

describe("assigning and removing a user's roles", () => {
  it('assigns a role (200) and removes it (200); /auth/roles shows each change', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    const added = await api('POST', `/admin/users/${user.id}/roles`, {
      token: admin.access_token,
      json: { role: 'view' },
    });
    expect(added.status, added.text).toBe(200);
    expect(added.body).toEqual({ user_id: user.id, roles: ['user', 'view'] });
    expect(await rolesOf(user.id, user.access_token)).toEqual(['user', 'view']);

    const removed = await api('DELETE', `/admin/users/${user.id}/roles/view`, {
      token: admin.access_token,
    });
    expect(removed.status, removed.text).toBe(200);
    expect(removed.body).toEqual({ user_id: user.id, roles: ['user'] });
    expect(await rolesOf(user.id, user.access_token)).toEqual(['user']);
  });

  it('answers 404 for an unknown user or an unknown role when assigning', async () => {
    const admin = await createSignedInAdmin();
    const user = await createUser();
    expectError(
      await api('POST', `/admin/users/${crypto.randomUUID()}/roles`, {
        token: admin.access_token,
        json: { role: 'view' },
      }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await api('POST', `/admin/users/${user.id}/roles`, {
        token: admin.access_token,
        json: { role: roleName() },
      }),
      404,
      'NOT_FOUND',
    );
  });

  it('answers 404 for an unknown user when removing a role', async () => {
    const admin = await createSignedInAdmin();
    expectError(
      await api('DELETE', `/admin/users/${crypto.randomUUID()}/roles/view`, {
        token: admin.access_token,
      }),
      404,
      'NOT_FOUND',
    );
  });

  it('answers 404 for a role that does not exist when removing it from a user', async () => {
    const admin = await createSignedInAdmin();
    const user = await createUser();
    expectError(
      await api('DELETE', `/admin/users/${user.id}/roles/${roleName()}`, {
        token: admin.access_token,
      }),
      404,
      'NOT_FOUND',
    );
  });

  it('refuses to let an admin remove their own admin role (409), and they stay admin', async () => {
    const admin = await createSignedInAdmin();
    const res = await api('DELETE', `/admin/users/${admin.id}/roles/admin`, {
      token: admin.access_token,
    });
    expectError(res, 409, 'CONFLICT');
    expect(await rolesOf(admin.id, admin.access_token)).toContain('admin');
    expect((await api('GET', '/admin/roles', { token: admin.access_token })).status).toBe(200);
  });

  it("lets one admin remove another admin's admin role", async () => {
    const admin = await createSignedInAdmin();
    const other = await createSignedInAdmin();
    const res = await api('DELETE', `/admin/users/${other.id}/roles/admin`, {
      token: admin.access_token,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.roles).not.toContain('admin');
    expectError(await api('GET', '/admin/roles', { token: other.access_token }), 403, 'FORBIDDEN');
  });
});

describe('admin routes refuse everyone but admins', () => {
  const adminCalls = (userId: string, role: string) =>
    [
      ['GET', '/admin/roles', undefined],
      ['POST', '/admin/roles', { name: roleName() }],
      ['POST', `/admin/roles/${role}/permissions`, { permission: '*:*' }],
      ['DELETE', `/admin/roles/${role}/permissions/dashboards:read`, undefined],
      ['POST', `/admin/users/${userId}/roles`, { role: 'admin' }],
      ['DELETE', `/admin/users/${userId}/roles/user`, undefined],
      ['PATCH', `/admin/users/${userId}`, { status: 'suspended' }],
    ] as const;

  it('answers 403 FORBIDDEN to a signed-in non-admin on every admin route, changing nothing', async () => {
    const admin = await createSignedInAdmin();
    const role = await createRole(admin.access_token, ['dashboards:read']);
    const user = await createSignedInUser();
    for (const [method, path, json] of adminCalls(user.id, role)) {
      const res = await api(method, path, { token: user.access_token, json });
      expectError(res, 403, 'FORBIDDEN');
    }
    // The non-admin did not make themself admin nor touch the role.
    expect(await rolesOf(user.id, user.access_token)).toEqual(['user']);
    const list = await api('GET', '/admin/roles', { token: admin.access_token });
    const after = (list.body.items as { name: string; permissions: string[] }[]).find(
      (r) => r.name === role,
    );
    expect(after?.permissions).toEqual(['dashboards:read']);
    expect(await api('GET', '/auth/verify', { token: user.access_token })).toMatchObject({
      status: 200,
    });
  });

  it('answers 401 without a token, and does not accept a service key as an admin', async () => {
    const user = await createUser();
    for (const [method, path, json] of adminCalls(user.id, 'view')) {
      expectError(await api(method, path, { json }), 401, 'INVALID_TOKEN');
      expectError(
        await api(method, path, { json, headers: serviceHeaders() }),
        401,
        'INVALID_TOKEN',
      );
    }
  });
});

describe('decisions read roles from the database, not from the token', () => {
  it('a user gains and loses a permission at once through a role assignment', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    const role = await createRole(admin.access_token, ['etl_jobs:delete']);
    expect(allowed(await authorizeSelf(user.access_token, 'etl_jobs', 'delete'))).toBe(false);

    await assignRole(admin.access_token, user.id, role);
    // The same access token, still carrying only ['user'].
    expect(decodeJwt(user.access_token).roles).toEqual(['user']);
    expect(allowed(await authorizeSelf(user.access_token, 'etl_jobs', 'delete'))).toBe(true);
    expect(allowed(await authorizeAsService(user.id, 'etl_jobs', 'delete'))).toBe(true);

    const removed = await api('DELETE', `/admin/users/${user.id}/roles/${role}`, {
      token: admin.access_token,
    });
    expect(removed.status, removed.text).toBe(200);
    expect(allowed(await authorizeSelf(user.access_token, 'etl_jobs', 'delete'))).toBe(false);
    expect(allowed(await authorizeAsService(user.id, 'etl_jobs', 'delete'))).toBe(false);
  });

  it('a grant or revocation on a role the user holds takes effect at once', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    const role = await createRole(admin.access_token, []);
    await assignRole(admin.access_token, user.id, role);
    expect(allowed(await authorizeSelf(user.access_token, 'users', 'delete'))).toBe(false);

    const granted = await api('POST', `/admin/roles/${role}/permissions`, {
      token: admin.access_token,
      json: { permission: 'users:delete' },
    });
    expect(granted.status, granted.text).toBe(200);
    expect(allowed(await authorizeSelf(user.access_token, 'users', 'delete'))).toBe(true);

    const revoked = await api('DELETE', `/admin/roles/${role}/permissions/users:delete`, {
      token: admin.access_token,
    });
    expect(revoked.status, revoked.text).toBe(200);
    expect(allowed(await authorizeSelf(user.access_token, 'users', 'delete'))).toBe(false);
  });

  it('a stale token gains and loses the admin routes at once', async () => {
    const user = await createSignedInUser();
    expectError(await api('GET', '/admin/roles', { token: user.access_token }), 403, 'FORBIDDEN');
    await grantRoleInDb(user.id, 'admin');
    expect((await api('GET', '/admin/roles', { token: user.access_token })).status).toBe(200);

    const admin = await createSignedInAdmin();
    const demoted = await api('DELETE', `/admin/users/${user.id}/roles/admin`, {
      token: admin.access_token,
    });
    expect(demoted.status, demoted.text).toBe(200);
    expectError(await api('GET', '/admin/roles', { token: user.access_token }), 403, 'FORBIDDEN');
  });

  it('a new role shows in /auth/validate at once and in the token from the next refresh', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    await assignRole(admin.access_token, user.id, 'view');
    const validated = await api('POST', '/auth/validate', {
      headers: serviceHeaders(),
      json: { token: user.access_token },
    });
    expect(validated.body).toMatchObject({ valid: true, roles: ['user', 'view'] });
    const refreshed = await api('POST', '/auth/refresh', {
      json: { refresh_token: user.refresh_token },
    });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(decodeJwt(refreshed.body.access_token).roles).toEqual(['user', 'view']);
  });
});

describe('permission matching', () => {
  it('grants the seeded user permissions and refuses the rest, saying which is missing', async () => {
    const user = await createSignedInUser();
    expect(allowed(await authorizeSelf(user.access_token, 'dashboards', 'read'))).toBe(true);
    expect(allowed(await authorizeSelf(user.access_token, 'etl_jobs', 'execute'))).toBe(true);
    const refused = await authorizeSelf(user.access_token, 'dashboards', 'delete');
    expect(refused.body).toEqual({
      allowed: false,
      reason: 'missing_permission',
      detail: expect.stringContaining('dashboards:delete'),
    });
    expect(allowed(await authorizeSelf(user.access_token, 'admin_panel', 'admin'))).toBe(false);
  });

  it('matches a resource wildcard (etl_jobs:*) for every action on that resource only', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    await assignRole(
      admin.access_token,
      user.id,
      await createRole(admin.access_token, ['etl_jobs:*']),
    );
    for (const action of ['read', 'execute', 'delete', 'admin'])
      expect(allowed(await authorizeAsService(user.id, 'etl_jobs', action)), action).toBe(true);
    expect(allowed(await authorizeAsService(user.id, 'dashboards', 'delete'))).toBe(false);
    expect(allowed(await authorizeAsService(user.id, 'etl_jobs_archive', 'delete'))).toBe(false);
  });

  it('matches an action wildcard (*:read) for that action on every resource only', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    await assignRole(admin.access_token, user.id, await createRole(admin.access_token, ['*:read']));
    for (const resource of ['billing', 'users', 'admin_panel'])
      expect(allowed(await authorizeAsService(user.id, resource, 'read')), resource).toBe(true);
    expect(allowed(await authorizeAsService(user.id, 'billing', 'delete'))).toBe(false);
    expect(allowed(await authorizeAsService(user.id, 'billing', 'reader'))).toBe(false);
    // *:read does not make anyone an admin.
    expectError(await api('GET', '/admin/roles', { token: user.access_token }), 403, 'FORBIDDEN');
  });

  it('lets the admin role (*:*) do anything', async () => {
    const admin = await createSignedInAdmin();
    for (const [resource, action] of [
      ['users', 'delete'],
      ['billing', 'admin'],
      ['anything_else', 'execute'],
    ] as const)
      expect(allowed(await authorizeSelf(admin.access_token, resource, action))).toBe(true);
  });
});

describe('GET /auth/me', () => {
  it('shows roles and permissions as they are now, not as the token has them', async () => {
    const user = await createSignedInUser();
    await grantRoleInDb(user.id, 'admin');
    const me = await api('GET', '/auth/me', { token: user.access_token });
    expect(me.status, me.text).toBe(200);
    expect(me.body.roles).toEqual(['admin', 'user']);
    expect(me.body.permissions).toContain('*:*');
  });
});
