import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_VARS } from '../scripts/dev-values.mjs';
import { IP_LIMITS } from '../src/domain/limits';
import { apiWithEnv, env, expectError } from './helpers';
import { serviceHeaders } from './helpers-admin';
import { PRODUCTION_VARS } from './production-env';

// wrangler.toml's [vars] exactly as committed (vitest.config.ts reads the file): what
// `wrangler deploy` of a fresh clone would run with.
const committed = JSON.parse(env.TEST_WRANGLER_VARS) as Record<string, string>;

/**
 * The worker started with the committed vars (and the test's secrets), plus `overrides`. Asked
 * with a service key, so /health names the problems (the public view names only components).
 */
const deployed = (overrides: Record<string, string>, method: string, path: string) =>
  apiWithEnv({ ...committed, ...overrides }, method, path, { headers: serviceHeaders() });

describe('wrangler.toml as committed', () => {
  it('declares each per-IP limit as src/domain/limits.ts repeats it for the headers', () => {
    const blocks = JSON.parse(env.TEST_WRANGLER_RATELIMITS) as {
      name: string;
      namespace_id: string;
      simple: { limit: number; period: number };
    }[];
    const declared = Object.fromEntries(blocks.map((b) => [b.name, b.simple]));
    for (const rule of Object.values(IP_LIMITS)) {
      expect(declared[rule.binding], rule.binding).toEqual({
        limit: rule.limit,
        period: rule.period,
      });
    }
    expect(blocks).toHaveLength(Object.keys(IP_LIMITS).length);
    // namespace_id is account-wide: two bindings sharing one would share their counters.
    expect(new Set(blocks.map((b) => b.namespace_id)).size).toBe(blocks.length);
  });

  it('names a production environment with no development value in it', () => {
    expect(committed.ENVIRONMENT).toBe('production');
    expect(committed.EMAIL_PROVIDER).not.toBe('outbox');
    expect(committed.SMS_PROVIDER).not.toBe('outbox');
    for (const [name, value] of Object.entries(committed)) {
      expect(value, name).not.toMatch(/localhost|127\.0\.0\.1|http:\/\//i);
    }
  });

  it('is refused until the operator sets the deployment values: 503, and /health names them', async () => {
    const health = await deployed({}, 'GET', '/health');
    expect(health.status, health.text).toBe(503);
    expect(health.body.components.config).toBe('invalid');
    const problems = (health.body.problems as string[]).join('\n');
    for (const name of ['JWT_ISSUER', 'APP_URL', 'EMAIL_FROM']) expect(problems).toContain(name);
    for (const [method, path] of [
      ['POST', '/auth/forgot-password'],
      ['GET', '/dev/outbox?to=a@example.com'],
    ] as const) {
      expectError(await deployed({}, method, path), 503, 'DEPENDENCY_UNAVAILABLE');
    }
  });

  it('runs healthy once the values docs/deploying.md lists are set, with no /dev/outbox', async () => {
    const health = await deployed(PRODUCTION_VARS, 'GET', '/health');
    expect(health.status, health.text).toBe(200);
    expect(health.body.status).toBe('ok');
    expectError(
      await deployed(PRODUCTION_VARS, 'GET', '/dev/outbox?to=a@example.com'),
      404,
      'NOT_FOUND',
    );
  });
});

describe('config validation outside development', () => {
  it.each(['production', 'staging'])('refuses every development value in %s', async (name) => {
    const res = await deployed({ ...DEVELOPMENT_VARS, ENVIRONMENT: name }, 'GET', '/health');
    expect(res.status, res.text).toBe(503);
    const problems = (res.body.problems as string[]).join('\n');
    for (const key of [
      'EMAIL_PROVIDER',
      'SMS_PROVIDER',
      'JWT_ISSUER',
      'APP_URL',
      'CORS_ORIGINS',
      'EMAIL_FROM',
    ]) {
      expect(problems, key).toContain(key);
    }
  });

  it.each([
    ['JWT_ISSUER', 'http://auth.example.com'],
    ['JWT_ISSUER', 'https://localhost:8787'],
    ['JWT_ISSUER', 'https://127.0.0.1'],
    ['APP_URL', 'https://app.localhost'],
    ['APP_URL', 'https://[::1]:3000'],
    ['CORS_ORIGINS', 'https://app.example.com,http://app.example.com'],
    ['EMAIL_PROVIDER', 'outbox'],
    ['SMS_PROVIDER', 'outbox'],
    ['LIBSQL_URL', 'http://edge-auth-acme.turso.io'],
    ['LIBSQL_URL', 'libsql://localhost:8080'],
    // security.md "Outbound URLs": https only outside development.
    ['BREACHED_PASSWORDS_URL', 'http://range.example.com/range/'],
    ['TURNSTILE_VERIFY_URL', 'http://verify.example.com/siteverify'],
  ])('refuses %s=%s', async (key, value) => {
    const res = await deployed({ ...PRODUCTION_VARS, [key]: value }, 'GET', '/health');
    expect(res.status, res.text).toBe(503);
    expect((res.body.problems as string[]).join('\n')).toContain(key);
  });

  it('accepts the same development values in development', async () => {
    const res = await deployed(DEVELOPMENT_VARS, 'GET', '/health');
    expect(res.status, res.text).toBe(200);
  });
});

describe('passkeys outside development (docs/passkeys.md)', () => {
  const passkeyVars = {
    ...PRODUCTION_VARS,
    WEBAUTHN_RP_ID: 'example.com',
    WEBAUTHN_ORIGINS: 'https://example.com,https://auth.example.com',
  };

  it.each([
    ['WEBAUTHN_ORIGINS', 'https://example.com,https://evil.example'],
    ['WEBAUTHN_ORIGINS', 'http://auth.example.com'],
    ['WEBAUTHN_ORIGINS', 'https://notexample.com'],
    ['WEBAUTHN_ORIGINS', ''],
    ['WEBAUTHN_RP_ID', 'localhost'],
    ['WEBAUTHN_RP_ID', 'https://example.com'],
  ])('refuses %s=%s', async (key, value) => {
    const res = await deployed({ ...passkeyVars, [key]: value }, 'GET', '/health');
    expect(res.status, res.text).toBe(503);
    expect((res.body.problems as string[]).join('\n')).toContain(key);
  });

  it('are off (503) until the relying party is configured, then serve options for it', async () => {
    const json = { json: {}, headers: serviceHeaders() };
    const off = await apiWithEnv(
      { ...committed, ...PRODUCTION_VARS },
      'POST',
      '/auth/passkey/options',
      json,
    );
    expectError(off, 503, 'DEPENDENCY_UNAVAILABLE');
    const on = await apiWithEnv(
      { ...committed, ...passkeyVars },
      'POST',
      '/auth/passkey/options',
      json,
    );
    expect(on.status, on.text).toBe(200);
    expect(on.body.options.rpId).toBe('example.com');
  });
});
