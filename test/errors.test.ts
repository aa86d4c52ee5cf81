import { describe, expect, it } from 'vitest';
import {
  api,
  apiWithEnv,
  createSignedInUser,
  env,
  expectError,
  STRONG_PASSWORD,
  uniqueEmail,
} from './helpers';

const MAX_BODY_BYTES = 65_536;
const SAFE_REQUEST_ID = /^[\w=-]{1,128}$/;

/** A body of `bytes` bytes streamed in 1 KiB chunks, so the request has no Content-Length. */
function streamOf(bytes: number, fill = 'a') {
  let sent = 0;
  const chunk = new TextEncoder().encode(fill.repeat(1024));
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const next = chunk.subarray(0, Math.min(1024, bytes - sent));
      sent += next.length;
      controller.enqueue(next);
    },
  });
}

describe('one error shape everywhere', () => {
  it('answers an unknown route with 404 NOT_FOUND', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['POST', '/auth/nope'],
      ['GET', '/auth/register/../../etc/passwd'],
      ['GET', "/auth/users/1' OR '1'='1"],
    ] as const) {
      expectError(await api(method, path), 404, 'NOT_FOUND');
    }
  });

  it('answers a known path with the wrong method in the same shape', async () => {
    const res = await api('DELETE', '/auth/login');
    expect([404, 405]).toContain(res.status);
    expectError(res, res.status, res.status === 404 ? 'NOT_FOUND' : 'METHOD_NOT_ALLOWED');
  });

  it('answers malformed JSON with 400 INVALID_JSON', async () => {
    for (const body of ['{"email":', "{'email': 'a'}", '{"a":1}}', 'undefined']) {
      const res = await api('POST', '/auth/login', {
        body,
        headers: { 'Content-Type': 'application/json' },
      });
      expectError(res, 400, 'INVALID_JSON');
    }
  });

  it('answers JSON that is not an object with 422', async () => {
    for (const body of ['[]', '"text"', '42', 'null']) {
      const res = await api('POST', '/auth/login', {
        body,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.status, body).toBe(422);
      expectError(res, 422, 'VALIDATION_ERROR');
    }
  });

  it('answers a body that is not JSON with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const json = JSON.stringify({ email: uniqueEmail(), password: STRONG_PASSWORD });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
    ]) {
      const res = await api('POST', '/auth/register', {
        body: json,
        headers: { 'Content-Type': type },
      });
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('accepts application/json with a charset parameter', async () => {
    const res = await api('POST', '/auth/register', {
      body: JSON.stringify({ email: uniqueEmail(), password: STRONG_PASSWORD }),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    expect(res.status, res.text).toBe(201);
  });

  describe('body size limit (MAX_BODY_BYTES = 65536)', () => {
    it('is configured as the tests assume', () => {
      expect(env.MAX_BODY_BYTES).toBe(String(MAX_BODY_BYTES));
    });

    it('answers 413 PAYLOAD_TOO_LARGE to an oversized body with Content-Length, before parsing', async () => {
      // Not even valid JSON: the size is refused before the body is parsed.
      const body = `{"email":"${'a'.repeat(MAX_BODY_BYTES)}`;
      const res = await api('POST', '/auth/login', {
        body,
        headers: { 'Content-Type': 'application/json' },
      });
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('answers 413 to an oversized streamed body without Content-Length', async () => {
      const request = new Request('http://auth.test/auth/login', {
        method: 'POST',
        body: streamOf(MAX_BODY_BYTES + 4096),
      });
      expect(request.headers.get('Content-Length')).toBeNull();
      const res = await api('POST', '/auth/login', {
        body: streamOf(MAX_BODY_BYTES + 4096),
        headers: { 'Content-Type': 'application/json' },
      });
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('reads a streamed body under the limit normally', async () => {
      const json = JSON.stringify({ email: uniqueEmail(), password: 'Wrong-Password-1' });
      const bytes = new TextEncoder().encode(json);
      const res = await api('POST', '/auth/login', {
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(bytes);
            controller.close();
          },
        }),
        headers: { 'Content-Type': 'application/json' },
      });
      expectError(res, 401, 'INVALID_CREDENTIALS');
    });

    it('accepts a body just under the limit', async () => {
      const padding = 'x'.repeat(MAX_BODY_BYTES - 200);
      const res = await api('POST', '/auth/login', {
        json: { email: uniqueEmail(), password: 'Wrong-Password-1', padding },
      });
      // Past the size check: the unknown field is a validation error, not 413.
      expectError(res, 422, 'VALIDATION_ERROR');
    });
  });

  it('answers validation failures with 422 and one entry per field', async () => {
    const res = await api('POST', '/auth/register', { json: { email: 7, password: 7 } });
    const body = expectError(res, 422, 'VALIDATION_ERROR');
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'email', message: expect.any(String) },
        { field: 'password', message: expect.any(String) },
      ]),
    );
    expect(res.text).not.toMatch(/ZodError|"issues"|"code":"invalid_type"/);
  });

  it('puts errors[] only on 422', async () => {
    for (const res of [
      await api('GET', '/nope'),
      await api('POST', '/auth/login', {
        body: '{',
        headers: { 'Content-Type': 'application/json' },
      }),
      await api('GET', '/auth/verify'),
    ]) {
      expect(res.status).not.toBe(422);
      expect(res.body).not.toHaveProperty('errors');
    }
  });

  it('answers an internal failure with a generic 500 that leaks no stack, SQL or cause', async () => {
    const user = await createSignedInUser();
    // Arrange a row the code cannot read (preferences must be JSON).
    await env.DB.prepare("UPDATE profiles SET preferences = '{not json' WHERE user_id = ?")
      .bind(user.id)
      .run();
    const res = await api('GET', '/auth/me', { token: user.access_token });
    expectError(res, 500, 'INTERNAL_ERROR');
    expect(res.text).not.toMatch(/SyntaxError|JSON\.parse|preferences|profiles|stack|\.ts:\d+/);
    expect(Object.keys(res.body).sort()).toEqual(['detail', 'error_code', 'request_id']);
  });
});

describe('X-Request-ID', () => {
  it('echoes the caller’s id on success and in error bodies', async () => {
    const id = `req-${crypto.randomUUID()}`;
    const ok = await api('GET', '/health', { headers: { 'X-Request-ID': id } });
    expect(ok.headers.get('X-Request-ID')).toBe(id);
    const err = await api('GET', '/nope', { headers: { 'X-Request-ID': id } });
    expect(err.headers.get('X-Request-ID')).toBe(id);
    expect(err.body.request_id).toBe(id);
  });

  it('generates one when none is sent, the same in header and error body', async () => {
    const a = await api('GET', '/nope');
    const b = await api('GET', '/nope');
    const id = a.headers.get('X-Request-ID');
    expect(id).toMatch(SAFE_REQUEST_ID);
    expect(a.body.request_id).toBe(id);
    expect(b.headers.get('X-Request-ID')).not.toBe(id);
  });

  it('replaces an id with unsafe characters or over 128 characters', async () => {
    for (const sent of ['<script>alert(1)</script>', 'a b', '"quoted"', 'x'.repeat(129)]) {
      const res = await api('GET', '/nope', { headers: { 'X-Request-ID': sent } });
      const echoed = res.headers.get('X-Request-ID');
      expect(echoed).not.toBe(sent);
      expect(echoed).toMatch(SAFE_REQUEST_ID);
      expect(res.body.request_id).toBe(echoed);
    }
  });
});

describe('security headers', () => {
  it('mark every JSON response nosniff, no-referrer and unframeable', async () => {
    for (const res of [
      await api('GET', '/'),
      await api('GET', '/nope'),
      await api('POST', '/auth/login', { json: {} }),
    ]) {
      expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(res.headers.get('Referrer-Policy')).toBe('no-referrer');
      expect(res.headers.get('Content-Security-Policy')).toMatch(/default-src 'none'/);
      expect(res.headers.get('Content-Security-Policy')).toMatch(/frame-ancestors 'none'/);
    }
  });

  it('make responses uncacheable unless a route allows it', async () => {
    expect((await api('GET', '/nope')).headers.get('Cache-Control')).toMatch(/no-store/);
    expect((await api('GET', '/auth/verify')).headers.get('Cache-Control')).toMatch(/no-store/);
  });

  it('give /docs HTML a restrictive Content-Security-Policy', async () => {
    const res = await api('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    const csp = res.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(/script-src ([^;]*)/.exec(csp)?.[1] ?? '').not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  // The API's own policy (default-src 'none') must not reach /docs, or the page renders nothing.
  it('let /docs load the documentation script its HTML references', async () => {
    const res = await api('GET', '/docs');
    const csp = res.headers.get('Content-Security-Policy') ?? '';
    const scriptSrc = (/script-src ([^;]*)/.exec(csp)?.[1] ?? '').split(/\s+/);
    const scripts = [...res.text.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const origin = new URL(src, 'http://auth.test').origin;
      expect(scriptSrc).toContain(origin === 'http://auth.test' ? "'self'" : origin);
    }
  });

  it('send no CORS headers to an origin that is not configured', async () => {
    const res = await api('GET', '/', { headers: { Origin: 'https://evil.example' } });
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
    const preflight = await api('OPTIONS', '/auth/login', {
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('allow a configured origin, and only that one', async () => {
    const overrides = { CORS_ORIGINS: 'https://app.example' };
    const allowed = await apiWithEnv(overrides, 'GET', '/', {
      headers: { Origin: 'https://app.example' },
    });
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe('https://app.example');
    const other = await apiWithEnv(overrides, 'GET', '/', {
      headers: { Origin: 'https://app.example.evil.com' },
    });
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });
});

describe('system routes', () => {
  it('GET / names the service and links to the docs', async () => {
    const res = await api('GET', '/');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: expect.any(String),
      version: expect.any(String),
      docs: '/docs',
      openapi: '/openapi.json',
    });
  });

  it('GET /health reports every component healthy', async () => {
    const res = await api('GET', '/health');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      version: expect.any(String),
      components: {
        database: 'ok',
        sessions: 'ok',
        rate_limiter: expect.any(String),
        queue: expect.any(String),
      },
    });
    expect(new Date(res.body.timestamp).toISOString()).toBe(res.body.timestamp);
  });

  it('GET /health/ready is 200 once migrations are applied', async () => {
    const res = await api('GET', '/health/ready');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ ready: true, missing_tables: [], pending_migrations: [] });
  });

  it('GET /health/ready is 503 naming a migration the database has not recorded', async () => {
    // Every table exists, but the newest migration is not recorded as applied (a partial
    // `wrangler d1 migrations apply`): not ready, whatever the tables say.
    const last = await env.DB.prepare(
      'SELECT id, name, applied_at FROM d1_migrations ORDER BY id DESC LIMIT 1',
    ).first<{ id: number; name: string; applied_at: string }>();
    expect(last?.name).toMatch(/^\d{4}_\w+\.sql$/);
    await env.DB.prepare('DELETE FROM d1_migrations WHERE id = ?').bind(last!.id).run();
    try {
      const res = await api('GET', '/health/ready');
      expect(res.status, res.text).toBe(503);
      expect(res.body).toEqual({
        ready: false,
        missing_tables: [],
        pending_migrations: [last!.name],
      });
    } finally {
      await env.DB.prepare('INSERT INTO d1_migrations (id, name, applied_at) VALUES (?, ?, ?)')
        .bind(last!.id, last!.name, last!.applied_at)
        .run();
    }
    expect((await api('GET', '/health/ready')).status).toBe(200);
  });
});

// The document is generated from every route's schemas: one schema the generator cannot render
// (a recursive one such as z.json()) turns the whole document into a 500, so it is checked here.
describe('GET /openapi.json', () => {
  type Operation = {
    responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
    requestBody?: unknown;
    security?: unknown[];
  };
  const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

  async function document() {
    const res = await api('GET', '/openapi.json');
    expect(res.status, res.text.slice(0, 500)).toBe(200);
    return res.body as {
      openapi: string;
      paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
      components: { schemas: Record<string, { required?: string[]; properties?: object }> };
    };
  }

  it('is an OpenAPI 3.1 document', async () => {
    const doc = await document();
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it('describes every route of the core contract', async () => {
    const doc = await document();
    const expected: [string, string][] = [
      ['get', '/'],
      ['get', '/health'],
      ['get', '/health/ready'],
      ['get', '/.well-known/jwks.json'],
      ['post', '/auth/register'],
      ['post', '/auth/login'],
      ['post', '/auth/refresh'],
      ['post', '/auth/logout'],
      ['get', '/auth/verify'],
      ['get', '/auth/me'],
      ['get', '/auth/profile'],
      ['put', '/auth/profile'],
    ];
    for (const [method, path] of expected) {
      expect(doc.paths[path]?.[method as 'get'], `${method.toUpperCase()} ${path}`).toBeDefined();
    }
  });

  it('defines the Error schema of the contract', async () => {
    const doc = await document();
    const error = doc.components.schemas.Error;
    expect(error?.required).toEqual(expect.arrayContaining(['detail', 'error_code', 'request_id']));
    expect(Object.keys(error?.properties ?? {})).toEqual(
      expect.arrayContaining(['detail', 'error_code', 'request_id', 'errors']),
    );
  });

  it('documents error answers with the Error schema on every operation', async () => {
    // Every operation but / and /health* names an error status with the Error schema; one that
    // takes a body or a bearer token can be refused by the client's fault, so it names a 4xx.
    const doc = await document();
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      // The identity provider's OAuth endpoints answer RFC 6749 bodies (OAuthError), by design.
      if (path === '/' || path.startsWith('/health') || path.startsWith('/oauth/')) continue;
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const errorStatuses = Object.entries(op.responses ?? {})
          .filter(
            ([, response]) =>
              JSON.stringify(response.content?.['application/json']?.schema) ===
              JSON.stringify({ $ref: '#/components/schemas/Error' }),
          )
          .map(([status]) => status);
        const needs4xx = Boolean(op.requestBody) || Boolean(op.security?.length);
        const ok = needs4xx
          ? errorStatuses.some((s) => /^4\d\d$/.test(s))
          : errorStatuses.some((s) => /^[45]\d\d$/.test(s));
        if (!ok) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents 422 on every operation that takes a JSON body', async () => {
    const doc = await document();
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        // /oauth/*: RFC 6749 and RFC 7591 refuse bad parameters with 400 (invalid_request,
        // invalid_client_metadata), not 422.
        if (op?.requestBody && !op.responses?.['422'] && !path.startsWith('/oauth/'))
          missing.push(`${method} ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
