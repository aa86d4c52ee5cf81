import { describe, expect, it } from 'vitest';
import { api } from './helpers';

/**
 * What generators and linters need from the served document (issue 8 §6): `npm run lint:openapi`
 * runs Redocly and Spectral on the document this file records; the checks here are the ones
 * those rulesets do not make, or that must hold whatever the rulesets say.
 */

type Header = { $ref?: string };
type Response = { headers?: Record<string, Header>; content?: Record<string, unknown> };
type Operation = {
  operationId?: string;
  tags?: string[];
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  responses: Record<string, Response>;
};
type Schema = { properties?: Record<string, { type?: string | string[] }>; enum?: string[] };
type Document = {
  tags?: { name: string; description?: string }[];
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; headers?: Record<string, unknown> };
};

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

const served = await api('GET', '/openapi.json');
const doc = served.body as Document;
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((method) => ({
    name: `${method.toUpperCase()} ${path}`,
    path,
    op: item[method]!,
  })),
);

/** Routes anyone may call (docs/api.md): they must say so with `security: []`. */
const PUBLIC = [
  'GET /',
  'GET /health/ready',
  'GET /.well-known/jwks.json',
  'GET /openapi.json',
  'GET /docs',
  'POST /auth/register',
  'POST /auth/login',
  'POST /auth/refresh',
  'POST /auth/forgot-password',
  'POST /auth/reset-password',
  'POST /auth/verify-email',
  'POST /mfa/challenge',
  'POST /auth/passkey/options',
  'POST /auth/passkey/verify',
  'GET /dev/outbox',
  'POST /auth/email/start',
  'POST /auth/email/verify',
  // The identity provider (idp-*.test.ts).
  'GET /.well-known/openid-configuration',
  'GET /.well-known/oauth-authorization-server',
  'GET /.well-known/oauth-protected-resource',
  // Client authentication is in the request itself (RFC 6749 §2.3), not an API scheme.
  'POST /oauth/token',
  'POST /oauth/revoke',
  'POST /oauth/register',
  'GET /oauth/authorize',
  'GET /auth/oauth/providers',
  'GET /auth/oauth/{provider}/authorize',
  'GET /auth/oauth/{provider}/callback',
  'POST /auth/oauth/{provider}/callback',
  'POST /auth/oauth/exchange',
];

/**
 * Open to anyone, with a credential that shows more: `{}` (no credential) comes first, then the
 * schemes that unlock the detailed view.
 */
const OPTIONAL_AUTH = ['GET /health'];

const headerNames = (r: Response) => Object.keys(r.headers ?? {});

describe('the served OpenAPI document', () => {
  it('records itself for npm run lint:openapi', ({ task }) => {
    expect(served.status).toBe(200);
    // scripts/openapi-dump-reporter.mjs writes this to dist/openapi.json.
    task.meta.openapi = served.text;
  });

  it('gives every operation a unique camelCase operationId', () => {
    expect(served.status, served.text.slice(0, 300)).toBe(200);
    const ids = operations.map(({ op }) => op.operationId);
    for (const [i, id] of ids.entries())
      expect(id, operations[i]!.name).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('tags every operation with a declared, described tag', () => {
    const declared = new Map((doc.tags ?? []).map((t) => [t.name, t.description]));
    for (const [name, description] of declared) expect(description, name).toBeTruthy();
    for (const { name, op } of operations) {
      expect(op.tags?.length, name).toBeGreaterThan(0);
      for (const tag of op.tags ?? []) expect(declared.has(tag), `${name}: ${tag}`).toBe(true);
    }
  });

  it('describes every operation', () => {
    for (const { name, op } of operations) expect(op.description?.length, name).toBeGreaterThan(20);
  });

  it('marks the public routes public, and only them', () => {
    for (const { name, op } of operations) {
      if (PUBLIC.includes(name)) expect(op.security, name).toEqual([]);
      else if (OPTIONAL_AUTH.includes(name)) {
        expect(op.security?.[0], name).toEqual({});
        expect(op.security?.length, name).toBeGreaterThan(1);
      } else expect(op.security?.length, name).toBeGreaterThan(0);
    }
    expect(operations.map((o) => o.name)).toEqual(
      expect.arrayContaining([...PUBLIC, ...OPTIONAL_AUTH]),
    );
  });

  it('names the server it is served from', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: 'http://auth.test' })]);
  });

  it('documents X-Request-ID on every response', () => {
    for (const { name, op } of operations)
      for (const [status, response] of Object.entries(op.responses))
        expect(headerNames(response), `${name} ${status}`).toContain('X-Request-ID');
    expect(Object.keys(doc.components.headers ?? {})).toEqual(
      expect.arrayContaining(['X-Request-ID', 'Retry-After', 'X-RateLimit-Limit']),
    );
  });

  it('documents Retry-After on 423, 429 and 503, and X-RateLimit-Limit where the limit applies', () => {
    // Only the limit: the platform's rate limiter reports no remaining count or reset time.
    const rate = ['X-RateLimit-Limit'];
    for (const { name, path, op } of operations) {
      for (const status of ['423', '429', '503']) {
        const response = op.responses[status];
        if (!response || path.startsWith('/health')) continue;
        expect(headerNames(response), `${name} ${status}`).toContain('Retry-After');
      }
      if (!op.responses['429']) continue;
      // src/http/middleware/rate-limit.ts sets them on every answer it lets through, too.
      for (const [status, response] of Object.entries(op.responses))
        expect(headerNames(response), `${name} ${status}`).toEqual(expect.arrayContaining(rate));
    }
    expect(doc.paths['/auth/login']?.post?.responses['200']?.headers).toHaveProperty(rate[0]!);
  });

  it('documents 503 wherever an invalid configuration answers it (all but /health*)', () => {
    for (const { name, path, op } of operations)
      if (!path.startsWith('/health')) expect(op.responses['503'], name).toBeDefined();
  });

  it('gives every page a next_cursor that is a string or null', () => {
    const pages = Object.entries(doc.components.schemas).filter(
      ([, s]) => s.properties?.next_cursor,
    );
    expect(pages.map(([name]) => name)).toEqual(
      expect.arrayContaining(['SessionList', 'ActivityPage']),
    );
    for (const [name, schema] of pages)
      expect(schema.properties!.next_cursor!.type, name).toEqual(['string', 'null']);
  });

  it('documents limit and cursor on the sessions list', () => {
    const params = doc.paths['/auth/sessions']?.get?.parameters ?? [];
    expect(params.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(
      expect.arrayContaining(['limit', 'cursor']),
    );
  });
});
