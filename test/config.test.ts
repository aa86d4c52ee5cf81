import { describe, expect, it } from 'vitest';
import {
  apiWithEnv,
  createSignedInUser,
  env,
  expectError,
  STRONG_PASSWORD,
  uniqueEmail,
} from './helpers';
import { createSignedInAdmin, serviceHeaders } from './helpers-admin';
import { PRODUCTION_VARS } from './production-env';

// Each call spreads `env` into a new object, and config is cached per env object, so every
// request below starts the worker with exactly the configuration it names.

const credentials = () => ({ email: uniqueEmail('config'), password: STRONG_PASSWORD });

/** /health as an operator sees it: the detailed view, asked for with a service key. */
async function healthOf(overrides: Record<string, unknown>) {
  const res = await apiWithEnv(overrides, 'GET', '/health', { headers: serviceHeaders() });
  return res;
}

/** /health as anyone on the internet sees it. */
const publicHealthOf = (overrides: Record<string, unknown>, headers?: Record<string, string>) =>
  apiWithEnv(overrides, 'GET', '/health', { headers });

const DETAIL_FIELDS = ['signing_key', 'password_pepper', 'service_keys'];

describe('start-up configuration', () => {
  it('reports a healthy deployment when nothing is overridden', async () => {
    const res = await healthOf({});
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.components).toMatchObject({
      config: 'ok',
      secrets: 'ok',
      signing_key: 'ok',
      password_pepper: 'ok',
      service_keys: 'ok',
    });
  });

  describe('public and detailed /health', () => {
    const weakPepper = { PASSWORD_PEPPER: 'short' };

    it('tells the public only that the secrets fail, not which one or why (503 degraded)', async () => {
      const res = await publicHealthOf(weakPepper);
      expect(res.status, res.text).toBe(503);
      expect(res.body).toMatchObject({
        status: 'degraded',
        components: { config: 'ok', database: 'ok', sessions: 'ok', secrets: 'error' },
      });
      for (const field of DETAIL_FIELDS) expect(res.body.components).not.toHaveProperty(field);
      expect(res.text).not.toMatch(/weak|pepper|signing|missing/i);
    });

    it('tells the public that the config is invalid, without the var names or problems', async () => {
      const res = await publicHealthOf({ PBKDF2_ITERATIONS: '200000' });
      expect(res.status, res.text).toBe(503);
      expect(res.body.components.config).toBe('invalid');
      expect(res.body).not.toHaveProperty('problems');
      expect(res.text).not.toContain('PBKDF2_ITERATIONS');
    });

    it('answers a healthy deployment with 200 ok and the public components only', async () => {
      const res = await publicHealthOf({});
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', components: { secrets: 'ok' } });
      for (const field of DETAIL_FIELDS) expect(res.body.components).not.toHaveProperty(field);
    });

    it('shows which secret is weak to a service key and to an admin bearer', async () => {
      const admin = await createSignedInAdmin();
      const asAdmin: Record<string, string> = { Authorization: `Bearer ${admin.access_token}` };
      for (const headers of [serviceHeaders(), asAdmin]) {
        const res = await publicHealthOf(weakPepper, headers);
        expect(res.status, res.text).toBe(503);
        expect(res.body.components).toMatchObject({
          secrets: 'error',
          password_pepper: 'weak',
          signing_key: 'ok',
        });
      }
    });

    it('gives a wrong key, a non-admin bearer or a garbage bearer the public view, never an error', async () => {
      const user = await createSignedInUser();
      for (const headers of [
        { 'X-API-Key': 'x'.repeat(40) } as Record<string, string>,
        { Authorization: `Bearer ${user.access_token}` },
        { Authorization: 'Bearer not-a-jwt' },
      ]) {
        const res = await publicHealthOf(weakPepper, headers);
        expect(res.status, res.text).toBe(503);
        expect(res.body.components.secrets).toBe('error');
        for (const field of DETAIL_FIELDS) expect(res.body.components).not.toHaveProperty(field);
      }
    });
  });

  describe('PBKDF2_ITERATIONS above the production cap (200000)', () => {
    const overrides = { PBKDF2_ITERATIONS: '200000' };

    it('is refused: routes answer 503 DEPENDENCY_UNAVAILABLE with Retry-After', async () => {
      for (const [method, path, json] of [
        ['POST', '/auth/login', credentials()],
        ['POST', '/auth/register', credentials()],
        ['GET', '/.well-known/jwks.json', undefined],
      ] as const) {
        const res = await apiWithEnv(overrides, method, path, { json });
        expectError(res, 503, 'DEPENDENCY_UNAVAILABLE');
        expect(res.headers.get('Retry-After'), path).toMatch(/^\d+$/);
      }
    });

    it('creates no account while refused', async () => {
      const user = credentials();
      await apiWithEnv(overrides, 'POST', '/auth/register', { json: user });
      const row = await env.DB.prepare('SELECT id FROM users WHERE email = ?')
        .bind(user.email)
        .first();
      expect(row).toBeNull();
    });

    it('is reported by /health as invalid config naming the variable', async () => {
      const res = await healthOf(overrides);
      expect(res.status, res.text).toBe(503);
      expect(res.body.status).toBe('degraded');
      expect(res.body.components.config).toBe('invalid');
      expect(res.body.problems).toEqual(
        expect.arrayContaining([expect.stringContaining('PBKDF2_ITERATIONS')]),
      );
    });

    it('makes /health/ready answer 503', async () => {
      const res = await apiWithEnv(overrides, 'GET', '/health/ready');
      expect(res.status, res.text).toBe(503);
      expect(res.body.ready).toBe(false);
    });
  });

  it('refuses PBKDF2_ITERATIONS below the minimum and non-numeric values', async () => {
    for (const value of ['1000', 'lots', '100000.5']) {
      const res = await healthOf({ PBKDF2_ITERATIONS: value });
      expect(res.status, value).toBe(503);
      expect(res.body.components.config, value).toBe('invalid');
      expect(res.body.problems.join('\n'), value).toContain('PBKDF2_ITERATIONS');
    }
  });

  it('refuses REFRESH_REUSE_INTERVAL_SECONDS outside 0..60', async () => {
    for (const value of ['61', '-1', 'ten']) {
      const res = await healthOf({ REFRESH_REUSE_INTERVAL_SECONDS: value });
      expect(res.status, value).toBe(503);
      expect(res.body.problems.join('\n'), value).toContain('REFRESH_REUSE_INTERVAL_SECONDS');
    }
    for (const value of ['0', '60']) {
      expect((await healthOf({ REFRESH_REUSE_INTERVAL_SECONDS: value })).status, value).toBe(200);
    }
  });

  it('refuses a configuration without an issuer', async () => {
    const res = await healthOf({ JWT_ISSUER: '' });
    expect(res.status).toBe(503);
    expect(res.body.problems.join('\n')).toContain('JWT_ISSUER');
  });

  it('takes the body limit from MAX_BODY_BYTES', async () => {
    const overrides = { MAX_BODY_BYTES: '2048' };
    const big = { ...credentials(), padding: 'x'.repeat(3000) };
    expectError(
      await apiWithEnv(overrides, 'POST', '/auth/login', { json: big }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    // The same body is under the default limit: it reaches validation instead.
    expectError(
      await apiWithEnv({}, 'POST', '/auth/login', { json: big }),
      422,
      'VALIDATION_ERROR',
    );
  });

  describe('missing JWT_PRIVATE_KEY', () => {
    const overrides = { JWT_PRIVATE_KEY: undefined };

    it('is reported by /health as signing_key missing (503)', async () => {
      const res = await healthOf(overrides);
      expect(res.status, res.text).toBe(503);
      expect(res.body.components.signing_key).toBe('missing');
      expect(res.body.components.config).toBe('ok');
    });

    it('makes login, refresh, verify and JWKS answer 503 with Retry-After', async () => {
      const cases = [
        ['POST', '/auth/login', { json: credentials() }],
        [
          'POST',
          '/auth/refresh',
          { json: { refresh_token: `${crypto.randomUUID()}.${'A'.repeat(43)}` } },
        ],
        ['GET', '/auth/verify', { token: 'a.b.c' }],
        ['GET', '/.well-known/jwks.json', {}],
      ] as const;
      for (const [method, path, options] of cases) {
        const res = await apiWithEnv(overrides, method, path, options);
        expectError(res, 503, 'DEPENDENCY_UNAVAILABLE');
        expect(res.headers.get('Retry-After'), path).toMatch(/^\d+$/);
      }
    });

    it('treats a blank key like a missing one', async () => {
      const res = await healthOf({ JWT_PRIVATE_KEY: '   ' });
      expect(res.body.components.signing_key).toBe('missing');
    });

    it('still lets users register: only the routes that sign degrade', async () => {
      const res = await apiWithEnv(overrides, 'POST', '/auth/register', { json: credentials() });
      expect(res.status, res.text).toBe(201);
    });
  });

  describe('signing keys that must not be used', () => {
    it('reports an HS256 (oct) key as weak and signs nothing with it', async () => {
      const secret = crypto.getRandomValues(new Uint8Array(32));
      const oct = JSON.stringify({
        kty: 'oct',
        k: btoa(String.fromCharCode(...secret)).replace(/=+$/, ''),
        alg: 'HS256',
        kid: 'hmac',
      });
      const health = await healthOf({ JWT_PRIVATE_KEY: oct });
      expect(health.status).toBe(503);
      expect(health.body.components.signing_key).toBe('weak');
      const login = await apiWithEnv({ JWT_PRIVATE_KEY: oct }, 'POST', '/auth/login', {
        json: credentials(),
      });
      expectError(login, 503, 'DEPENDENCY_UNAVAILABLE');
      const jwks = await apiWithEnv({ JWT_PRIVATE_KEY: oct }, 'GET', '/.well-known/jwks.json');
      expectError(jwks, 503, 'DEPENDENCY_UNAVAILABLE');
      expect(jwks.text).not.toContain('"k"');
    });

    it('reports a key that is not JSON, or a public key without "d", as invalid', async () => {
      const publicOnly = { ...JSON.parse(String(env.JWT_PRIVATE_KEY)) };
      delete publicOnly.d;
      for (const key of ['not json', JSON.stringify(publicOnly)]) {
        const res = await healthOf({ JWT_PRIVATE_KEY: key });
        expect(res.status).toBe(503);
        expect(res.body.components.signing_key).toBe('invalid');
      }
    });
  });

  describe('password pepper', () => {
    for (const [name, pepper] of [
      ['a short pepper', 'short'],
      ['a repetitive pepper', 'a'.repeat(40)],
    ] as const) {
      it(`reports ${name} as weak and refuses to hash with it (503)`, async () => {
        const overrides = { PASSWORD_PEPPER: pepper };
        const health = await healthOf(overrides);
        expect(health.status).toBe(503);
        expect(health.body.components.password_pepper).toBe('weak');
        const user = credentials();
        const register = await apiWithEnv(overrides, 'POST', '/auth/register', { json: user });
        expectError(register, 503, 'DEPENDENCY_UNAVAILABLE');
        expect(register.headers.get('Retry-After')).toMatch(/^\d+$/);
        const row = await env.DB.prepare('SELECT id FROM users WHERE email = ?')
          .bind(user.email)
          .first();
        expect(row).toBeNull();
        const login = await apiWithEnv(overrides, 'POST', '/auth/login', { json: user });
        expectError(login, 503, 'DEPENDENCY_UNAVAILABLE');
      });
    }

    it('reports a missing pepper as missing', async () => {
      const res = await healthOf({ PASSWORD_PEPPER: undefined });
      expect(res.status).toBe(503);
      expect(res.body.components.password_pepper).toBe('missing');
    });

    it('never echoes the pepper or the private key in /health', async () => {
      const res = await healthOf({ PASSWORD_PEPPER: 'short', PBKDF2_ITERATIONS: '200000' });
      expect(res.text).not.toContain(String(env.PASSWORD_PEPPER));
      expect(res.text).not.toContain(JSON.parse(String(env.JWT_PRIVATE_KEY)).d);
    });
  });

  describe('the database: D1, or libSQL when LIBSQL_URL is set', () => {
    it('reports D1 as the active database by default', async () => {
      const res = await publicHealthOf({});
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ database: 'd1', components: { database: 'ok' } });
    });

    it.each([
      [
        'ftp://edge-auth-acme.turso.io',
        'LIBSQL_URL: must be a libsql:// or https:// URL (http:// in development)',
      ],
      [
        'wss://edge-auth-acme.turso.io',
        'LIBSQL_URL: must be a libsql:// or https:// URL (http:// in development)',
      ],
      ['not a url', 'LIBSQL_URL: must be a libsql:// or https:// URL (http:// in development)'],
      [
        ' libsql://edge-auth-acme.turso.io',
        'LIBSQL_URL: must be a libsql:// or https:// URL (http:// in development)',
      ],
      [
        'libsql://edge-auth-acme.turso.io?authToken=abc',
        'LIBSQL_URL: put the token in the LIBSQL_AUTH_TOKEN secret',
      ],
      ['libsql://edge-auth-acme.turso.io', 'LIBSQL_AUTH_TOKEN: required with a remote LIBSQL_URL'],
    ])('refuses LIBSQL_URL=%s at start-up', async (url, problem) => {
      const res = await healthOf({ LIBSQL_URL: url });
      expect(res.status, res.text).toBe(503);
      expect(res.body.components.config).toBe('invalid');
      expect(res.body.problems).toContain(problem);
      const register = await apiWithEnv({ LIBSQL_URL: url }, 'POST', '/auth/register', {
        json: credentials(),
      });
      expectError(register, 503, 'DEPENDENCY_UNAVAILABLE');
    });

    it.each([
      'libsql://edge-auth-acme.turso.io:443?tls=0',
      'libsql://edge-auth-acme.turso.io?tls=0',
      'https://edge-auth-acme.turso.io?tls=0',
      'http://edge-auth-acme.turso.io',
    ])('refuses LIBSQL_URL=%s in production: the connection would not use TLS', async (url) => {
      const res = await healthOf({ ...PRODUCTION_VARS, LIBSQL_URL: url, LIBSQL_AUTH_TOKEN: 'tok' });
      expect(res.status, res.text).toBe(503);
      expect(res.body.components.config).toBe('invalid');
      expect(res.body.problems).toContain(
        'LIBSQL_URL: must use TLS outside development (libsql:// or https://, no tls=0)',
      );
    });

    it('accepts a TLS libSQL URL in production (tls=1 or no tls parameter)', async () => {
      for (const url of [
        'libsql://edge-auth-acme.turso.io',
        'libsql://edge-auth-acme.turso.io?tls=1',
      ]) {
        const overrides = { ...PRODUCTION_VARS, LIBSQL_URL: url, LIBSQL_AUTH_TOKEN: 'tok' };
        const res = await healthOf(overrides);
        expect(res.body.components.config, url).toBe('ok');
      }
    });

    it('probes libSQL, not D1, once LIBSQL_URL is set (its HTTP client inside workerd)', async () => {
      // Nothing answers libSQL's HTTP protocol in tests (the outbound fake refuses the host),
      // so the probe fails while D1 would answer: the failure shows which one was asked.
      const overrides = { LIBSQL_URL: 'https://edge-auth-acme.turso.io', LIBSQL_AUTH_TOKEN: 'tok' };
      const res = await healthOf(overrides);
      expect(res.status, res.text).toBe(503);
      expect(res.body).toMatchObject({
        database: 'libsql',
        components: { config: 'ok', database: 'error', sessions: 'ok' },
      });
      expect(res.text).not.toContain('tok');
      const ready = await apiWithEnv(overrides, 'GET', '/health/ready');
      expect(ready.status, ready.text).toBe(503);
      expect(ready.body.missing_tables).toEqual(['(database unreachable)']);
    });
  });
});
