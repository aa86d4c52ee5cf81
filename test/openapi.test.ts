import { describe, expect, it } from 'vitest';
import { api } from './helpers';

/**
 * What generators and linters need from the served document (issue 8 §6): the checks here are
 * the ones linters' rulesets do not make, or that must hold whatever the rulesets say.
 */

type Response = { content?: Record<string, unknown> };
type Operation = {
  operationId?: string;
  tags?: string[];
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  responses: Record<string, Response>;
};
type Document = {
  tags?: { name: string; description?: string }[];
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
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

/** Routes anyone may call (spec/api.md): they must say so with `security: []`. */
const PUBLIC = [
  'GET /',
  'GET /health',
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
  'GET /dev/outbox',
];

describe('the served OpenAPI document', () => {
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
      else expect(op.security?.length, name).toBeGreaterThan(0);
    }
    expect(operations.map((o) => o.name)).toEqual(expect.arrayContaining(PUBLIC));
  });

  it('names the server it is served from', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: 'http://auth.test' })]);
  });
});
