import { describe, expect, it } from 'vitest';
import { exports } from 'cloudflare:workers';
import {
  api,
  createSignedInUser,
  env,
  expectError,
  signIn,
  STRONG_PASSWORD,
  uniqueEmail,
} from './helpers';
import { createSignedInAdmin } from './helpers-admin';

// wrangler.toml: CORS_ORIGINS = "http://localhost:3000,http://localhost:5173".
const ALLOWED = 'http://localhost:3000';
const ALSO_ALLOWED = 'http://localhost:5173';
const UNLISTED = [
  'https://evil.example',
  'http://localhost:3001',
  'http://localhost:3000.evil.example',
  'https://localhost:3000',
  'null',
];

const preflight = (origin: string, path = '/auth/login') =>
  api('OPTIONS', path, {
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type,authorization',
    },
  });

describe('CORS', () => {
  it('answers a preflight from a configured origin with that origin, methods and headers', async () => {
    for (const origin of [ALLOWED, ALSO_ALLOWED]) {
      const res = await preflight(origin);
      expect(res.status).toBeLessThan(300);
      expect(res.headers.get('Access-Control-Allow-Origin')).toBe(origin);
      expect(res.headers.get('Access-Control-Allow-Methods')).toMatch(/POST/);
      expect(res.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toMatch(
        /authorization/,
      );
      expect(res.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toMatch(
        /content-type/,
      );
      expect(res.headers.get('Vary') ?? '').toMatch(/origin/i);
    }
  });

  it('sends no CORS headers to a request without Origin, only Vary: Origin', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/auth/verify'],
      ['POST', '/auth/login'],
    ] as const) {
      const res = await api(method, path, method === 'POST' ? { json: {} } : {});
      const cors = [...res.headers.keys()].filter((h) => h.startsWith('access-control-'));
      expect(cors, `${method} ${path}`).toEqual([]);
      expect(res.headers.get('Vary') ?? '', `${method} ${path}`).toMatch(/origin/i);
      expect(res.headers.get('X-Request-ID'), `${method} ${path}`).toBeTruthy();
    }
  });

  it('allows a configured origin on a GET and exposes X-Request-ID', async () => {
    const res = await api('GET', '/health', { headers: { Origin: ALLOWED } });
    expect(res.status).toBe(200);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe(ALLOWED);
    expect(res.headers.get('Access-Control-Expose-Headers')?.toLowerCase()).toMatch(/x-request-id/);
    expect(res.headers.get('Vary') ?? '').toMatch(/origin/i);
  });

  it('lets a configured origin read an authenticated answer and an error answer', async () => {
    const user = await createSignedInUser();
    const ok = await api('GET', '/auth/verify', {
      token: user.access_token,
      headers: { Origin: ALLOWED },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('Access-Control-Allow-Origin')).toBe(ALLOWED);
    const denied = await api('GET', '/auth/verify', { headers: { Origin: ALLOWED } });
    expectError(denied, 401, 'INVALID_TOKEN');
    expect(denied.headers.get('Access-Control-Allow-Origin')).toBe(ALLOWED);
  });

  it('gives an unlisted origin no CORS headers, on a preflight or a GET', async () => {
    for (const origin of UNLISTED) {
      const pre = await preflight(origin);
      expect(pre.headers.get('Access-Control-Allow-Origin'), origin).toBeNull();
      expect(pre.headers.get('Access-Control-Allow-Credentials'), origin).toBeNull();
      const get = await api('GET', '/health', { headers: { Origin: origin } });
      expect(get.headers.get('Access-Control-Allow-Origin'), origin).toBeNull();
    }
  });

  it('never answers with a wildcard origin', async () => {
    for (const origin of [ALLOWED, ...UNLISTED]) {
      const res = await api('GET', '/', { headers: { Origin: origin } });
      expect(res.headers.get('Access-Control-Allow-Origin')).not.toBe('*');
    }
    const none = await api('GET', '/');
    expect(none.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });
});

describe('strict request schemas: unknown fields are refused, never applied', () => {
  const rolesInDb = async (userId: string) =>
    (
      await env.DB.prepare('SELECT role FROM user_roles WHERE user_id = ? ORDER BY role')
        .bind(userId)
        .all<{ role: string }>()
    ).results.map((r) => r.role);

  it('refuses a registration carrying role, is_admin and email_verified; nothing is created', async () => {
    const email = uniqueEmail('strict');
    const res = await api('POST', '/auth/register', {
      json: {
        email,
        password: STRONG_PASSWORD,
        role: 'admin',
        is_admin: true,
        email_verified: true,
      },
    });
    const body = expectError(res, 422, 'VALIDATION_ERROR');
    const text = JSON.stringify(body.errors);
    for (const field of ['role', 'is_admin', 'email_verified']) expect(text).toContain(field);
    const row = await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first();
    expect(row).toBeNull();
    expectError(
      await api('POST', '/auth/login', { json: { email, password: STRONG_PASSWORD } }),
      401,
      'INVALID_CREDENTIALS',
    );
  });

  it('refuses a profile update that tries to set roles, status or email; nothing changes', async () => {
    const user = await createSignedInUser();
    for (const extra of [
      { role: 'admin' },
      { roles: ['admin'] },
      { status: 'active' },
      { email: 'other@example.com' },
      { user_id: crypto.randomUUID() },
    ]) {
      const res = await api('PUT', '/auth/profile', {
        token: user.access_token,
        json: { first_name: 'Mallory', ...extra },
      });
      expectError(res, 422, 'VALIDATION_ERROR');
    }
    const profile = await api('GET', '/auth/profile', { token: user.access_token });
    expect(profile.body.first_name).toBeNull();
    expect(await rolesInDb(user.id)).toEqual(['user']);
    const me = await api('GET', '/auth/me', { token: user.access_token });
    expect(me.body.email).toBe(user.email);
  });

  it('refuses unknown fields on login and change-password, leaving the password as it was', async () => {
    const user = await createSignedInUser();
    expectError(
      await api('POST', '/auth/login', {
        json: { email: user.email, password: user.password, remember_me: true },
      }),
      422,
      'VALIDATION_ERROR',
    );
    expectError(
      await api('POST', '/auth/change-password', {
        token: user.access_token,
        json: {
          current_password: user.password,
          new_password: 'Saffron-Heron-77',
          user_id: crypto.randomUUID(),
        },
      }),
      422,
      'VALIDATION_ERROR',
    );
    await signIn(user);
  });

  it('refuses unknown fields on admin writes, applying none of them', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    expectError(
      await api('PATCH', `/admin/users/${user.id}`, {
        token: admin.access_token,
        json: { status: 'suspended', role: 'admin' },
      }),
      422,
      'VALIDATION_ERROR',
    );
    expectError(
      await api('POST', `/admin/users/${user.id}/roles`, {
        token: admin.access_token,
        json: { role: 'view', expires_at: '2099-01-01T00:00:00Z' },
      }),
      422,
      'VALIDATION_ERROR',
    );
    expect(await rolesInDb(user.id)).toEqual(['user']);
    expect((await api('GET', '/auth/verify', { token: user.access_token })).status).toBe(200);
  });
});

describe('request bodies: size and media type are checked before parsing', () => {
  const credentials = () => ({ email: uniqueEmail('body'), password: STRONG_PASSWORD });

  it('answers 413 PAYLOAD_TOO_LARGE to a body over 64 KB, even one that is not JSON', async () => {
    const big = await api('POST', '/auth/register', {
      json: { ...credentials(), first_name: 'x'.repeat(70_000) },
    });
    expectError(big, 413, 'PAYLOAD_TOO_LARGE');
    // Not JSON at all and over the limit: the size is refused before any parse (not 400).
    const garbage = await api('POST', '/auth/register', {
      body: '{'.repeat(70_000),
      headers: { 'Content-Type': 'application/json' },
    });
    expectError(garbage, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 413 to an oversized body sent without Content-Length (streamed)', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(16_384));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 6) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const req = new Request('http://auth.test/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: stream,
    });
    expect(req.headers.get('Content-Length')).toBeNull();
    const res = await exports.default.fetch(req);
    const body = await res.json<{ error_code: string }>();
    expect(res.status).toBe(413);
    expect(body.error_code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('accepts a body just under the limit (the limit is not lower than configured)', async () => {
    const padding = 'x'.repeat(60_000);
    const res = await api('POST', '/auth/login', {
      json: { email: uniqueEmail('pad'), password: padding },
    });
    // Reaches validation (password max length), so it was not refused for its size.
    expectError(res, 422, 'VALIDATION_ERROR');
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['form encoding', 'application/x-www-form-urlencoded'],
    ['no content type', undefined],
    ['xml', 'application/xml'],
  ])('answers 415 UNSUPPORTED_MEDIA_TYPE to a JSON body sent as %s', async (_what, type) => {
    const json = credentials();
    // Bytes, not a string: a string body would get text/plain by default.
    const res = await api('POST', '/auth/register', {
      body: new TextEncoder().encode(JSON.stringify(json)),
      headers: type ? { 'Content-Type': type } : {},
    });
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const row = await env.DB.prepare('SELECT id FROM users WHERE email = ?')
      .bind(json.email)
      .first();
    expect(row).toBeNull();
  });

  it('accepts JSON with a charset parameter', async () => {
    const res = await api('POST', '/auth/register', {
      body: JSON.stringify(credentials()),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    expect(res.status, res.text).toBe(201);
  });

  it('answers 400 INVALID_JSON to a malformed body, without echoing it', async () => {
    const res = await api('POST', '/auth/login', {
      body: '{"email": "a@example.com", "password": "Secret-Pass-1"',
      headers: { 'Content-Type': 'application/json' },
    });
    expectError(res, 400, 'INVALID_JSON');
    expect(res.text).not.toContain('Secret-Pass-1');
    expect(res.body.errors).toBeUndefined();
  });
});
