import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import worker from '../src/index';
import { issueAccessToken } from '../src/lib/jwt';
import { loadSigningKeys, signerAt } from '../src/lib/signing-keys';
import {
  api,
  createSignedInUser,
  createUser,
  env,
  expectError,
  signIn,
  unreachableD1,
} from './helpers';
import { createSignedInAdmin, serviceHeaders } from './helpers-admin';
import { keyOf, TEST_SERVICE_KEYS, type TestService } from './service-keys';

const SEEDED_USER_PERMISSIONS = [
  'analytics:read',
  'dashboards:execute',
  'dashboards:read',
  'etl_jobs:execute',
  'etl_jobs:read',
];

const validate = (token: string, headers: Record<string, string> = serviceHeaders()) =>
  api('POST', '/auth/validate', { headers, json: { token } });

/** The worker's own signing key, to mint tokens the worker would have issued at another time. */
async function workerKeys() {
  const { keys } = await loadSigningKeys({
    JWT_PRIVATE_KEY: String(env.JWT_PRIVATE_KEY),
    ACCESS_TOKEN_TTL_SECONDS: 900,
  });
  if (!keys) throw new Error('test worker has no signing key');
  return keys;
}

const audience = () => ({ issuer: String(env.JWT_ISSUER), audience: String(env.JWT_AUDIENCE) });

/** A token for the user's live session, signed by the worker's key but expired an hour ago. */
async function expiredTokenFor(accessToken: string) {
  const claims = decodeJwt(accessToken);
  const { token } = await issueAccessToken(
    await workerKeys(),
    audience(),
    {
      userId: String(claims.sub),
      sessionId: String(claims.sid),
      email: String(claims.email),
      roles: ['user'],
    },
    900,
    Date.now() - 3_600_000,
  );
  return token;
}

/** The same claims and header (same kid), signed by a key the worker never had. */
async function forgedTokenFor(accessToken: string) {
  const kid = signerAt(await workerKeys(), Date.now())!.kid;
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const { typ: _typ, ...header } = JSON.parse(atob(accessToken.split('.')[0]!)) as Record<
    string,
    string
  >;
  expect(header.kid).toBe(kid);
  return new SignJWT(decodeJwt(accessToken))
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
    .sign(privateKey);
}

/** The user's token with another user's id put in the payload, keeping the original signature. */
function tamperedToken(accessToken: string, sub: string) {
  const [head, payload, signature] = accessToken.split('.') as [string, string, string];
  const claims = JSON.parse(atob(payload.replaceAll('-', '+').replaceAll('_', '/')));
  const forged = btoa(JSON.stringify({ ...claims, sub }))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
  return `${head}.${forged}.${signature}`;
}

describe('POST /auth/validate: who may call it', () => {
  it('answers 401 INVALID_API_KEY without an X-API-Key', async () => {
    const user = await createSignedInUser();
    expectError(await validate(user.access_token, {}), 401, 'INVALID_API_KEY');
  });

  it('does not accept a user bearer token in place of a service key', async () => {
    const user = await createSignedInUser();
    const res = await api('POST', '/auth/validate', {
      token: user.access_token,
      json: { token: user.access_token },
    });
    expectError(res, 401, 'INVALID_API_KEY');
    expect(res.text).not.toContain(user.id);
    expectError(
      await validate(user.access_token, { 'X-API-Key': user.access_token }),
      401,
      'INVALID_API_KEY',
    );
  });

  it('refuses keys that are almost right: last character changed, truncated, extended, other case', async () => {
    const user = await createSignedInUser();
    const key = keyOf('billing');
    const last = key.at(-1)!;
    const nearMisses = [
      key.slice(0, -1) + (last === 'f' ? 'e' : 'f'),
      key.slice(0, -1),
      `${key}0`,
      key.toUpperCase(),
      ` ${key}`.slice(0, key.length),
      '',
    ];
    for (const wrong of nearMisses) {
      const res = await validate(user.access_token, { 'X-API-Key': wrong });
      expectError(res, 401, 'INVALID_API_KEY');
      expect(res.body.valid).toBeUndefined();
    }
  });

  it('accepts every configured key holding tokens:validate, and refuses the others with 403', async () => {
    const user = await createSignedInUser();
    for (const name of Object.keys(TEST_SERVICE_KEYS) as TestService[]) {
      const res = await validate(user.access_token, serviceHeaders(name));
      if (['billing', 'reports'].includes(name)) {
        expect(res.status, name).toBe(200);
        expect(res.body.valid).toBe(true);
      } else {
        expectError(res, 403, 'FORBIDDEN');
        expect(res.body.detail, name).toContain('tokens:validate');
      }
    }
  });
});

describe('POST /auth/validate: the verdict', () => {
  it('introspects a valid token: user, email, session, current roles and permissions', async () => {
    const user = await createSignedInUser();
    const res = await validate(user.access_token);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      valid: true,
      user_id: user.id,
      email: user.email,
      session_id: decodeJwt(user.access_token).sid,
      roles: ['user'],
      permissions: SEEDED_USER_PERMISSIONS,
      expires_at: expect.any(String),
    });
    const expiresAt = Date.parse(res.body.expires_at);
    expect(expiresAt).toBe(Number(decodeJwt(user.access_token).exp) * 1000);
  });

  it("answers {valid: false, reason: 'expired'} for an expired token of a live session", async () => {
    const user = await createSignedInUser();
    const res = await validate(await expiredTokenFor(user.access_token));
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ valid: false, reason: 'expired' });
  });

  it("answers {valid: false, reason: 'invalid'} for forged, tampered and malformed tokens", async () => {
    const user = await createSignedInUser();
    const other = await createUser();
    const header = btoa(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).replace(/=+$/, '');
    const unsigned = `${header}.${user.access_token.split('.')[1]}.`;
    for (const token of [
      await forgedTokenFor(user.access_token),
      tamperedToken(user.access_token, other.id),
      unsigned,
      'not-a-jwt',
      `${user.access_token}x`,
    ]) {
      const res = await validate(token);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ valid: false, reason: 'invalid' });
    }
  });

  it("answers {valid: false, reason: 'revoked'} once the session is logged out", async () => {
    const user = await createSignedInUser();
    const other = await signIn(user);
    const out = await api('POST', '/auth/logout', { token: user.access_token });
    expect(out.status, out.text).toBe(200);
    const res = await validate(user.access_token);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ valid: false, reason: 'revoked' });
    // The user's other session is untouched.
    expect((await validate(other.access_token)).body.valid).toBe(true);
  });

  it('refuses a missing or empty token with 422', async () => {
    const empty = await api('POST', '/auth/validate', {
      headers: serviceHeaders(),
      json: { token: '' },
    });
    expectError(empty, 422, 'VALIDATION_ERROR');
    const missing = await api('POST', '/auth/validate', { headers: serviceHeaders(), json: {} });
    const body = expectError(missing, 422, 'VALIDATION_ERROR');
    expect(body.errors.map((e: { field: string }) => e.field)).toContain('token');
  });
});

/** Calls the worker's real fetch handler with the given bindings replaced. */
async function callWithBindings(
  overrides: Record<string, unknown>,
  path: string,
  init: { headers?: Record<string, string>; json: unknown },
) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://auth.test${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...init.headers },
      body: JSON.stringify(init.json),
    }),
    { ...env, ...overrides },
    ctx,
  );
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { status: res.status, headers: res.headers, text, body: JSON.parse(text) };
}

/**
 * The SessionStore namespace binding with every object unreachable: ids resolve, but each RPC
 * call rejects, as a real call does when the Durable Object cannot be reached.
 */
const brokenSessions = {
  idFromName: (name: string) => env.SESSIONS.idFromName(name),
  get: () =>
    new Proxy(
      {},
      {
        get: () => () =>
          Promise.reject(new Error('Durable Object reset because its code was updated.')),
      },
    ),
};

describe('fails closed when a dependency cannot be reached', () => {
  it('/auth/validate answers 503 DEPENDENCY_UNAVAILABLE, never valid, when D1 is down', async () => {
    const user = await createSignedInUser();
    const res = await callWithBindings({ DB: unreachableD1 }, '/auth/validate', {
      headers: serviceHeaders(),
      json: { token: user.access_token },
    });
    expectError(res, 503, 'DEPENDENCY_UNAVAILABLE');
    expect(res.headers.get('Retry-After')).toMatch(/^\d+$/);
    expect(res.body.valid).toBeUndefined();
    expect(res.text).not.toContain('D1_ERROR');
  });

  it('/auth/authorize answers 503 DEPENDENCY_UNAVAILABLE, never allowed, when D1 is down', async () => {
    const user = await createSignedInUser();
    const asService = await callWithBindings({ DB: unreachableD1 }, '/auth/authorize', {
      headers: serviceHeaders(),
      json: { user_id: user.id, resource: 'dashboards', action: 'read' },
    });
    expectError(asService, 503, 'DEPENDENCY_UNAVAILABLE');
    expect(asService.body.allowed).toBeUndefined();
    const asUser = await callWithBindings({ DB: unreachableD1 }, '/auth/authorize', {
      headers: { Authorization: `Bearer ${user.access_token}` },
      json: { resource: 'dashboards', action: 'read' },
    });
    expectError(asUser, 503, 'DEPENDENCY_UNAVAILABLE');
    expect(asUser.body.allowed).toBeUndefined();
  });

  it('/auth/validate answers 503, never valid, when the session store is down', async () => {
    const user = await createSignedInUser();
    const res = await callWithBindings({ SESSIONS: brokenSessions }, '/auth/validate', {
      headers: serviceHeaders(),
      json: { token: user.access_token },
    });
    expectError(res, 503, 'DEPENDENCY_UNAVAILABLE');
    expect(res.body.valid).toBeUndefined();
  });

  it('/auth/authorize with a bearer token answers 503, never allowed, when the session store is down', async () => {
    const user = await createSignedInUser();
    const res = await callWithBindings({ SESSIONS: brokenSessions }, '/auth/authorize', {
      headers: { Authorization: `Bearer ${user.access_token}` },
      json: { resource: 'dashboards', action: 'read' },
    });
    expect(res.body.allowed).toBeUndefined();
    expectError(res, 503, 'DEPENDENCY_UNAVAILABLE');
  });
});

describe('POST /auth/authorize', () => {
  const decide = (json: Record<string, unknown>, auth: { token?: string; service?: boolean }) =>
    api('POST', '/auth/authorize', {
      json,
      token: auth.token,
      headers: auth.service ? serviceHeaders() : undefined,
    });

  it('lets a service ask about a named user: allowed true, or false with a reason', async () => {
    const user = await createUser();
    const yes = await decide(
      { user_id: user.id, resource: 'dashboards', action: 'read' },
      { service: true },
    );
    expect(yes.status, yes.text).toBe(200);
    expect(yes.body).toEqual({ allowed: true });
    const no = await decide(
      { user_id: user.id, resource: 'users', action: 'delete' },
      { service: true },
    );
    expect(no.status, no.text).toBe(200);
    expect(no.body).toEqual({
      allowed: false,
      reason: 'missing_permission',
      detail: expect.stringMatching(/\S/),
    });
  });

  it('answers 422 on user_id when a service does not name the user', async () => {
    const res = await decide({ resource: 'dashboards', action: 'read' }, { service: true });
    const body = expectError(res, 422, 'VALIDATION_ERROR');
    expect(body.errors.map((e: { field: string }) => e.field)).toContain('user_id');
  });

  it('refuses an unknown user for a service (allowed false), never guessing', async () => {
    const res = await decide(
      { user_id: crypto.randomUUID(), resource: 'dashboards', action: 'read' },
      { service: true },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ allowed: false, reason: 'unknown_user' });
  });

  it('answers for the caller when a user asks without user_id or with their own id', async () => {
    const user = await createSignedInUser();
    const implicit = await decide(
      { resource: 'etl_jobs', action: 'read' },
      { token: user.access_token },
    );
    expect(implicit.body).toEqual({ allowed: true });
    const explicit = await decide(
      { user_id: user.id, resource: 'etl_jobs', action: 'delete' },
      { token: user.access_token },
    );
    expect(explicit.status, explicit.text).toBe(200);
    expect(explicit.body.allowed).toBe(false);
  });

  it('answers 403 when a user asks about another user', async () => {
    const user = await createSignedInUser();
    const other = await createUser();
    const res = await decide(
      { user_id: other.id, resource: 'dashboards', action: 'read' },
      { token: user.access_token },
    );
    expectError(res, 403, 'FORBIDDEN');
    expect(res.body.allowed).toBeUndefined();
  });

  it('lets an admin ask about another user, decided by that user’s grants', async () => {
    const admin = await createSignedInAdmin();
    const user = await createUser();
    const read = await decide(
      { user_id: user.id, resource: 'dashboards', action: 'read' },
      { token: admin.access_token },
    );
    expect(read.body).toEqual({ allowed: true });
    const del = await decide(
      { user_id: user.id, resource: 'users', action: 'delete' },
      { token: admin.access_token },
    );
    expect(del.status, del.text).toBe(200);
    expect(del.body.allowed).toBe(false);
  });

  it('refuses an organization_id that names no organization with allowed false, even to an admin', async () => {
    const admin = await createSignedInAdmin();
    const res = await decide(
      {
        user_id: admin.id,
        resource: 'dashboards',
        action: 'read',
        organization_id: crypto.randomUUID(),
      },
      { service: true },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ allowed: false, reason: 'not_member', detail: expect.any(String) });
  });

  it('refuses a suspended user even for a permission their role holds', async () => {
    const admin = await createSignedInAdmin();
    const user = await createUser();
    const suspend = await api('PATCH', `/admin/users/${user.id}`, {
      token: admin.access_token,
      json: { status: 'suspended' },
    });
    expect(suspend.status, suspend.text).toBe(200);
    const res = await decide(
      { user_id: user.id, resource: 'dashboards', action: 'read' },
      { service: true },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ allowed: false, reason: 'suspended', detail: 'account suspended' });
  });

  it('checks an X-API-Key when one is sent, never falling back to the bearer token', async () => {
    const user = await createSignedInUser();
    const res = await api('POST', '/auth/authorize', {
      token: user.access_token,
      headers: { 'X-API-Key': `${keyOf('billing')}x` },
      json: { resource: 'dashboards', action: 'read' },
    });
    expectError(res, 401, 'INVALID_API_KEY');
  });

  it('answers 401 with neither a key nor a token, and 422 for a malformed resource', async () => {
    expectError(
      await api('POST', '/auth/authorize', { json: { resource: 'dashboards', action: 'read' } }),
      401,
      'INVALID_TOKEN',
    );
    const user = await createSignedInUser();
    const body = expectError(
      await decide({ resource: 'Dash Boards', action: 'read' }, { token: user.access_token }),
      422,
      'VALIDATION_ERROR',
    );
    expect(body.errors.map((e: { field: string }) => e.field)).toContain('resource');
  });
});

describe.each([
  ['/auth/permissions', (id: string) => `/auth/permissions/${id}`],
  ['/auth/roles', (id: string) => `/auth/roles/${id}`],
])('GET %s/{user_id}', (_name, pathOf) => {
  it('answers 200 to the user themself', async () => {
    const user = await createSignedInUser();
    const res = await api('GET', pathOf(user.id), { token: user.access_token });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ user_id: user.id, roles: ['user'] });
  });

  it('answers 403 to another non-admin user, whether or not the target exists', async () => {
    const user = await createSignedInUser();
    const other = await createUser();
    for (const id of [other.id, crypto.randomUUID()]) {
      const res = await api('GET', pathOf(id), { token: user.access_token });
      expectError(res, 403, 'FORBIDDEN');
      expect(res.body.roles).toBeUndefined();
    }
  });

  it('answers 200 to an admin and to a service', async () => {
    const admin = await createSignedInAdmin();
    const user = await createUser();
    const asAdmin = await api('GET', pathOf(user.id), { token: admin.access_token });
    expect(asAdmin.status, asAdmin.text).toBe(200);
    expect(asAdmin.body).toMatchObject({ user_id: user.id, roles: ['user'] });
    const asService = await api('GET', pathOf(user.id), { headers: serviceHeaders('reports') });
    expect(asService.status, asService.text).toBe(200);
    expect(asService.body).toEqual(asAdmin.body);
  });

  it('answers 404 NOT_FOUND for an unknown id to an admin and to a service', async () => {
    const admin = await createSignedInAdmin();
    const ghost = crypto.randomUUID();
    expectError(await api('GET', pathOf(ghost), { token: admin.access_token }), 404, 'NOT_FOUND');
    expectError(await api('GET', pathOf(ghost), { headers: serviceHeaders() }), 404, 'NOT_FOUND');
  });

  it('answers 422 for a malformed id and 401 with no credentials', async () => {
    const user = await createSignedInUser();
    for (const bad of ['not-a-uuid', '123', `${user.id}x`]) {
      const body = expectError(
        await api('GET', pathOf(bad), { token: user.access_token }),
        422,
        'VALIDATION_ERROR',
      );
      expect(body.errors.map((e: { field: string }) => e.field)).toContain('user_id');
    }
    expectError(await api('GET', pathOf(user.id)), 401, 'INVALID_TOKEN');
  });
});

describe('GET /auth/permissions/{user_id} body', () => {
  it('lists roles, the union of their permissions and (no) organizations', async () => {
    const user = await createSignedInUser();
    const res = await api('GET', `/auth/permissions/${user.id}`, { headers: serviceHeaders() });
    expect(res.body).toEqual({
      user_id: user.id,
      roles: ['user'],
      permissions: SEEDED_USER_PERMISSIONS,
      organizations: [],
    });
  });
});

describe('GET /auth/users/{user_id}/context', () => {
  const expectContext = (body: any, user: { id: string; email: string }) => {
    expect(body).toEqual({
      user: expect.objectContaining({ user_id: user.id, email: user.email, status: 'active' }),
      organizations: [],
      roles: ['user'],
      permissions: SEEDED_USER_PERMISSIONS,
    });
    expect(JSON.stringify(body)).not.toMatch(/password|pbkdf2/i);
  };

  it('answers 200 with user, roles, permissions and organizations to a service', async () => {
    const user = await createUser();
    const res = await api('GET', `/auth/users/${user.id}/context`, { headers: serviceHeaders() });
    expect(res.status, res.text).toBe(200);
    expectContext(res.body, user);
  });

  it('answers 200 to an admin', async () => {
    const admin = await createSignedInAdmin();
    const user = await createUser();
    const res = await api('GET', `/auth/users/${user.id}/context`, { token: admin.access_token });
    expect(res.status, res.text).toBe(200);
    expectContext(res.body, user);
  });

  it('answers 403 to a non-admin, even about themself', async () => {
    const user = await createSignedInUser();
    const other = await createUser();
    for (const id of [user.id, other.id]) {
      const res = await api('GET', `/auth/users/${id}/context`, { token: user.access_token });
      expectError(res, 403, 'FORBIDDEN');
    }
  });

  it('answers 404 for an unknown user and 422 for a malformed id', async () => {
    expectError(
      await api('GET', `/auth/users/${crypto.randomUUID()}/context`, { headers: serviceHeaders() }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await api('GET', '/auth/users/not-a-uuid/context', { headers: serviceHeaders() }),
      422,
      'VALIDATION_ERROR',
    );
  });
});
