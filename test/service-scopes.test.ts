import { describe, expect, it } from 'vitest';
import {
  ageSession,
  api,
  apiWithEnv,
  createSignedInUser,
  type ApiResponse,
  env,
  expectError,
  STRONG_PASSWORD,
  uniqueEmail,
} from './helpers';
import { createSignedInAdmin, grantRoleInDb, serviceHeaders } from './helpers-admin';
import { uniqueName } from './helpers-analytics';
import { createMfaUser, startMfaLogin } from './helpers-mfa';
import { createOrg } from './helpers-orgs';
import type { TestService } from './service-keys';

// Security review M1: any service key could mint a verified org owner or switch an admin's MFA
// off. Every scoped operation is tried here with a key that holds its scope and one that does
// not; the refusal is 403 FORBIDDEN naming the scope, and nothing happens.

type Call = (service: TestService) => Promise<ApiResponse>;

interface Case {
  name: string;
  scope: string;
  /** A key holding the scope, and the status it gets. */
  granted: [TestService, number];
  /** A key without it. */
  refused: TestService;
  call: Call;
}

const userId = async () => (await createSignedInUser()).id;
const as = (service: TestService) => ({ headers: serviceHeaders(service) });

const cases: Case[] = [
  {
    name: 'POST /auth/validate',
    scope: 'tokens:validate',
    granted: ['reports', 200],
    refused: 'none',
    call: async (s) =>
      api('POST', '/auth/validate', {
        ...as(s),
        json: { token: (await createSignedInUser()).access_token },
      }),
  },
  {
    name: 'GET /auth/users/{id}/context',
    scope: 'users:read',
    granted: ['reports', 200],
    refused: 'writer',
    call: async (s) => api('GET', `/auth/users/${await userId()}/context`, as(s)),
  },
  {
    name: 'GET /auth/roles/{id}',
    scope: 'users:read',
    granted: ['reports', 200],
    refused: 'none',
    call: async (s) => api('GET', `/auth/roles/${await userId()}`, as(s)),
  },
  {
    name: 'GET /analytics/usage/{id}',
    scope: 'users:read',
    granted: ['reports', 200],
    refused: 'scraper',
    call: async (s) => api('GET', `/analytics/usage/${await userId()}`, as(s)),
  },
  {
    name: 'GET /auth/permissions/{id}',
    scope: 'permissions:read',
    granted: ['reports', 200],
    refused: 'creator',
    call: async (s) => api('GET', `/auth/permissions/${await userId()}`, as(s)),
  },
  {
    name: 'POST /auth/authorize',
    scope: 'permissions:read',
    granted: ['reports', 200],
    refused: 'none',
    call: async (s) =>
      api('POST', '/auth/authorize', {
        ...as(s),
        json: { user_id: await userId(), resource: 'users', action: 'read' },
      }),
  },
  {
    name: 'POST /users/profile',
    scope: 'users:create',
    granted: ['creator', 201],
    refused: 'reports',
    call: (s) =>
      api('POST', '/users/profile', {
        ...as(s),
        json: { email: uniqueEmail('scoped'), password: STRONG_PASSWORD },
      }),
  },
  {
    name: 'POST /users/profile with email_verified',
    scope: 'users:verify',
    granted: ['billing', 201],
    refused: 'creator',
    call: (s) =>
      api('POST', '/users/profile', {
        ...as(s),
        json: { email: uniqueEmail('scoped'), password: STRONG_PASSWORD, email_verified: true },
      }),
  },
  {
    name: 'POST /users/profile with a global role beyond user',
    scope: 'users:roles',
    granted: ['billing', 201],
    refused: 'creator',
    call: (s) =>
      api('POST', '/users/profile', {
        ...as(s),
        json: { email: uniqueEmail('scoped'), password: STRONG_PASSWORD, roles: ['user', 'view'] },
      }),
  },
  {
    name: 'POST /users/profile as an organization owner',
    scope: 'orgs:members',
    granted: ['billing', 201],
    refused: 'creator',
    call: async (s) => {
      const org = await createOrg(await createSignedInUser());
      return api('POST', '/users/profile', {
        ...as(s),
        json: {
          email: uniqueEmail('scoped'),
          password: STRONG_PASSWORD,
          organization: { organization_id: org.id, role: 'owner' },
        },
      });
    },
  },
  {
    name: 'POST /organizations/{id}/users (a direct add)',
    scope: 'orgs:members',
    granted: ['billing', 201],
    refused: 'creator',
    call: async (s) => {
      const org = await createOrg(await createSignedInUser());
      return api('POST', `/organizations/${org.id}/users`, {
        ...as(s),
        json: { user_id: await userId(), role: 'member' },
      });
    },
  },
  {
    name: 'DELETE /admin/users/{id}/mfa',
    scope: 'mfa:reset',
    granted: ['resetter', 204],
    refused: 'reports',
    call: async (s) => api('DELETE', `/admin/users/${(await createMfaUser()).id}/mfa`, as(s)),
  },
  {
    name: 'POST /analytics/events',
    scope: 'analytics:write',
    granted: ['writer', 202],
    refused: 'reports',
    call: (s) =>
      api('POST', '/analytics/events', { ...as(s), json: { event_type: uniqueName('scoped') } }),
  },
  {
    name: 'POST /analytics/metrics',
    scope: 'analytics:write',
    granted: ['writer', 202],
    refused: 'scraper',
    call: (s) =>
      api('POST', '/analytics/metrics', { ...as(s), json: { name: uniqueName('m'), value: 1 } }),
  },
  {
    name: 'POST /analytics/metrics/batch',
    scope: 'analytics:write',
    granted: ['writer', 202],
    refused: 'reports',
    call: (s) =>
      api('POST', '/analytics/metrics/batch', {
        ...as(s),
        json: { metrics: [{ name: uniqueName('m'), value: 1 }] },
      }),
  },
  {
    name: 'POST /auth/users/{id}/activity',
    scope: 'analytics:write',
    granted: ['writer', 202],
    refused: 'reports',
    call: async (s) =>
      api('POST', `/auth/users/${await userId()}/activity`, {
        ...as(s),
        json: { action: 'exported', resource: 'report', metadata: {} },
      }),
  },
  {
    name: 'GET /metrics',
    scope: 'metrics:read',
    granted: ['scraper', 200],
    refused: 'reports',
    call: (s) => api('GET', '/metrics', as(s)),
  },
  {
    name: 'GET /analytics/metrics',
    scope: 'metrics:read',
    granted: ['scraper', 200],
    refused: 'writer',
    call: (s) => api('GET', `/analytics/metrics?name=${uniqueName('m')}`, as(s)),
  },
  {
    name: 'GET /analytics/costs',
    scope: 'metrics:read',
    granted: ['scraper', 200],
    refused: 'reports',
    call: (s) => api('GET', '/analytics/costs', as(s)),
  },
];

describe.each(cases)('$name needs $scope', ({ scope, granted, refused, call }) => {
  it(`answers ${granted[1]} to a key with ${scope}`, async () => {
    const res = await call(granted[0]);
    expect(res.status, res.text).toBe(granted[1]);
  });

  it(`answers 403 FORBIDDEN naming ${scope} to a key without it`, async () => {
    const body = expectError(await call(refused), 403, 'FORBIDDEN');
    expect(body.detail).toContain(scope);
  });
});

describe('a refused creation creates nothing', () => {
  it('a users:create key asking for a verified owner: 403, and the address stays free', async () => {
    const org = await createOrg(await createSignedInUser());
    const email = uniqueEmail('squat');
    const res = await api('POST', '/users/profile', {
      ...as('creator'),
      json: {
        email,
        password: STRONG_PASSWORD,
        email_verified: true,
        organization: { organization_id: org.id, role: 'owner' },
      },
    });
    expectError(res, 403, 'FORBIDDEN');
    const row = await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first();
    expect(row).toBeNull();
  });

  it('no scope lets a service give an administering role', async () => {
    const res = await api('POST', '/users/profile', {
      ...as('billing'),
      json: { email: uniqueEmail('mint'), password: STRONG_PASSWORD, roles: ['admin'] },
    });
    expectError(res, 403, 'FORBIDDEN');
  });
});

describe('SERVICE_API_KEYS formats', () => {
  const bare = 'bare-string-key-0123456789abcdef0123456789';
  const scoped = 'scoped-writer-key-0123456789abcdef01234567';

  it('a bare-string key still works and means the read-only scopes', async () => {
    const keys = JSON.stringify({ legacy: bare });
    const user = await createSignedInUser();
    const headers = { 'X-API-Key': bare };
    const validated = await apiWithEnv({ SERVICE_API_KEYS: keys }, 'POST', '/auth/validate', {
      headers,
      json: { token: user.access_token },
    });
    expect(validated.status, validated.text).toBe(200);
    expect(validated.body.valid).toBe(true);
    const read = await apiWithEnv({ SERVICE_API_KEYS: keys }, 'GET', `/auth/roles/${user.id}`, {
      headers,
    });
    expect(read.status, read.text).toBe(200);
    const write = await apiWithEnv({ SERVICE_API_KEYS: keys }, 'POST', '/users/profile', {
      headers,
      json: { email: uniqueEmail('legacy'), password: STRONG_PASSWORD },
    });
    expect(expectError(write, 403, 'FORBIDDEN').detail).toContain('users:create');
  });

  it('a key set naming an unknown scope is invalid: /health says so and no key is accepted', async () => {
    const keys = JSON.stringify({
      ok: { key: bare, scopes: ['users:read'] },
      typo: { key: scoped, scopes: ['users:write'] },
    });
    const health = await apiWithEnv({ SERVICE_API_KEYS: keys }, 'GET', '/health', {
      headers: { Authorization: `Bearer ${(await createSignedInAdmin()).access_token}` },
    });
    expect(health.body.components?.service_keys, health.text).toBe('invalid');
    const user = await createSignedInUser();
    const read = await apiWithEnv({ SERVICE_API_KEYS: keys }, 'GET', `/auth/roles/${user.id}`, {
      headers: { 'X-API-Key': bare },
    });
    expectError(read, 401, 'INVALID_API_KEY');
  });
});

/** An admin signed in with password and a backup code just now (amr: pwd + a second factor). */
async function adminWithFreshSecondFactor() {
  const user = await createMfaUser();
  await grantRoleInDb(user.id, 'admin');
  const res = await api('POST', '/mfa/verify', {
    json: { mfa_token: await startMfaLogin(user), code: user.backupCodes[0] },
  });
  expect(res.status, res.text).toBe(200);
  return { ...user, access_token: res.body.access_token as string };
}

describe('resetting the factors of an administrator (DELETE /admin/users/{id}/mfa)', () => {
  const methodsOf = async (id: string) =>
    (await env.DB.prepare('SELECT count(*) AS n FROM mfa_methods WHERE user_id = ?')
      .bind(id)
      .first<{ n: number }>())!.n;

  it('no service may, whatever its scopes (403), and the factor stays', async () => {
    const target = await createMfaUser();
    await grantRoleInDb(target.id, 'admin');
    for (const service of ['billing', 'resetter'] as const) {
      const res = await api('DELETE', `/admin/users/${target.id}/mfa`, as(service));
      expectError(res, 403, 'FORBIDDEN');
    }
    expect(await methodsOf(target.id)).toBeGreaterThan(0);
    const login = await api('POST', '/auth/login', {
      json: { email: target.email, password: target.password },
    });
    expect(login.body.mfa_required, login.text).toBe(true);
  });

  it('an admin signed in with the password alone may not (401), and the factor stays', async () => {
    const target = await createMfaUser();
    await grantRoleInDb(target.id, 'admin');
    const admin = await createSignedInAdmin();
    const res = await api('DELETE', `/admin/users/${target.id}/mfa`, {
      token: admin.access_token,
    });
    expectError(res, 401, 'INVALID_CREDENTIALS');
    expect(await methodsOf(target.id)).toBeGreaterThan(0);
  });

  it('an admin signed in with a second factor minutes ago may (204)', async () => {
    const target = await createMfaUser();
    await grantRoleInDb(target.id, 'admin');
    const admin = await adminWithFreshSecondFactor();
    const res = await api('DELETE', `/admin/users/${target.id}/mfa`, {
      token: admin.access_token,
    });
    expect(res.status, res.text).toBe(204);
    expect(await methodsOf(target.id)).toBe(0);
  });

  it('a second-factor sign-in more than 5 minutes old no longer counts (401)', async () => {
    const target = await createMfaUser();
    await grantRoleInDb(target.id, 'admin');
    const admin = await adminWithFreshSecondFactor();
    await ageSession(admin.id, admin.access_token, 6);
    const res = await api('DELETE', `/admin/users/${target.id}/mfa`, {
      token: admin.access_token,
    });
    expectError(res, 401, 'INVALID_CREDENTIALS');
    expect(await methodsOf(target.id)).toBeGreaterThan(0);
  });

  it('a service with mfa:reset still resets an ordinary user (204)', async () => {
    const target = await createMfaUser();
    const res = await api('DELETE', `/admin/users/${target.id}/mfa`, as('resetter'));
    expect(res.status, res.text).toBe(204);
    expect(await methodsOf(target.id)).toBe(0);
  });
});
