import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { exports } from 'cloudflare:workers';
import { bodyLimitFor } from '../src/http/middleware/body-guard';
import { api, createUser, STRONG_PASSWORD, uniqueEmail } from './helpers';
import { grantRoleInDb, serviceHeaders } from './helpers-admin';

/**
 * Contract fuzz: reads the served OpenAPI document and, for every operation it documents (no
 * route list here, so new routes are covered as they are added), sends empty, wrong-typed,
 * oversized and unknown-field bodies, bad path ids, and each combination of credentials. Every
 * answer must be below 500, in the contract's error shape when it is an error, free of stacks
 * and SQL, and have a status the operation documents.
 */

type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  example?: unknown;
  examples?: unknown[];
  default?: unknown;
  minimum?: number;
  minLength?: number;
  minItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
type Parameter = { name: string; in: string; required?: boolean; schema?: Schema };
type DocResponse = {
  headers?: Record<string, { $ref?: string }>;
  content?: Record<string, { schema?: Schema }>;
};
type Operation = {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses: Record<string, DocResponse>;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    headers?: Record<string, { required?: boolean }>;
  };
};

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;
const MAX_BODY_BYTES = 65_536;
const BAD_IDS = ['not-a-uuid', '..%2F..%2Fetc', 'a'.repeat(300), '%00'];
/** Stack frames, SQL and runtime error names: never in an answer (SQL keywords in upper case). */
const LEAK =
  /\n\s+at |\bat \S+ \(|\w+\.(ts|js):\d+|[Ss][Qq][Ll]ite|SQLITE_|D1_ERROR|\bSELECT |\bINSERT INTO\b|\bUPDATE \w+ SET\b|\bDELETE FROM\b|ZodError|TypeError|RangeError|ReferenceError/;
const ERROR_CODE = /^[A-Z][A-Z0-9_]*$/;

const served = await api('GET', '/openapi.json');
const doc = (
  served.status === 200 ? served.body : { paths: {}, components: { schemas: {} } }
) as Document;

const resolve = (schema: Schema | undefined): Schema => {
  if (!schema?.$ref) return schema ?? {};
  const name = schema.$ref.replace('#/components/schemas/', '');
  return resolve(doc.components.schemas[name]);
};

/** The documented enum of error_code (generated from src/lib/error-codes.ts). */
const errorCodes = new Set(resolve(doc.components.schemas.Error).properties?.error_code?.enum);

/** Headers the document promises on this answer (`required: true` in components.headers). */
function requiredHeaders(op: Operation, status: number) {
  return Object.entries(op.responses[String(status)]?.headers ?? {})
    .map(([name, h]) => ({
      name,
      header: doc.components.headers?.[h.$ref?.split('/').pop() ?? ''],
    }))
    .filter(({ header }) => header?.required)
    .map(({ name }) => name);
}

const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((method) => ({ method, path, op: item[method]! })),
);

/** A value the schema accepts, as far as the document says (examples first). */
function sample(raw: Schema | undefined, depth = 0): unknown {
  const schema = resolve(raw);
  if (schema.example !== undefined) return schema.example;
  if (schema.examples?.length) return schema.examples[0];
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const variants = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (variants?.length) return sample(variants[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'email') return uniqueEmail('fuzz');
      if (schema.format === 'uuid') return crypto.randomUUID();
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.format === 'uri') return 'https://example.com/a.png';
      if (schema.format === 'password') return STRONG_PASSWORD;
      return 'x'.repeat(Math.max(schema.minLength ?? 0, 8));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return schema.minItems ? [sample(schema.items, depth + 1)] : [];
    case 'object':
    default: {
      if (depth > 4) return {};
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? [])
        out[name] = sample(schema.properties?.[name], depth + 1);
      return out;
    }
  }
}

/** Every documented property set to `value` (or one made-up property when none are listed). */
function everyProperty(raw: Schema | undefined, value: (s: Schema) => unknown) {
  const schema = resolve(raw);
  const names = Object.keys(schema.properties ?? {});
  if (!names.length) return { field: value({}) };
  return Object.fromEntries(names.map((n) => [n, value(resolve(schema.properties![n]))]));
}

const isNumeric = (s: Schema) => s.type === 'integer' || s.type === 'number';

/** The contract's statuses for an operation: exact codes, plus 4XX-style ranges and default. */
function documents(op: Operation, status: number) {
  const keys = Object.keys(op.responses);
  return (
    keys.includes(String(status)) ||
    keys.includes(`${String(status)[0]}XX`) ||
    keys.includes('default')
  );
}

/** Whether the documented answer for this status is the Error schema (vs e.g. /health's body). */
function documentedAsError(op: Operation, status: number) {
  const response = op.responses[String(status)];
  if (!response) return true;
  const schema = response.content?.['application/json']?.schema;
  return schema?.$ref === '#/components/schemas/Error';
}

// Principals, re-created whenever an operation (delete, suspend, change password...) has
// ended them, so every operation is fuzzed with credentials that are valid when it starts.
type Principal = { id: string; email: string; password: string; token: string; sid: string };
const principals: { user?: Principal; admin?: Principal } = {};

async function principal(kind: 'user' | 'admin'): Promise<Principal> {
  const known = principals[kind];
  if (known) {
    const res = await api('POST', '/auth/login', {
      json: { email: known.email, password: known.password },
    });
    if (res.status === 200) {
      const token = res.body.access_token as string;
      return (principals[kind] = { ...known, token, sid: String(decodeJwt(token).sid) });
    }
  }
  const user = await createUser({ email: uniqueEmail(`fuzz-${kind}`) });
  if (kind === 'admin') await grantRoleInDb(user.id, 'admin');
  principals[kind] = { ...user, token: '', sid: '' };
  return principal(kind);
}

type Auth = 'none' | 'user' | 'admin' | 'service' | 'user+service' | 'admin+service';
const AUTH_MODES: Auth[] = ['none', 'user', 'admin', 'service', 'user+service', 'admin+service'];

type Probe = {
  label: string;
  auth: Auth;
  params?: Record<string, string>;
  /** A query string to send instead of the required parameters' plausible values. */
  query?: string;
  body?: { text: string; type?: string } | null;
  /** Extra expectation for this probe, beyond the ones every answer must meet. */
  expect?: (status: number) => string | null;
};

const json = (value: unknown) => ({ text: JSON.stringify(value) });

/** The probes for one operation: bad path ids, bad bodies, then every credential combination. */
function probesFor(method: string, path: string, op: Operation): Probe[] {
  const bodySchema = op.requestBody?.content?.['application/json']?.schema;
  const strict = resolve(bodySchema).additionalProperties === false;
  const plausible = bodySchema ? json(sample(bodySchema)) : null;
  const probes: Probe[] = [];
  for (const { name } of (op.parameters ?? []).filter((p) => p.in === 'path')) {
    BAD_IDS.forEach((bad, i) =>
      probes.push({
        label: `path ${name}=${bad.slice(0, 20)}`,
        auth: i % 2 ? 'admin+service' : 'user',
        params: { [name]: bad },
        body: plausible,
        expect: (s) => (s < 300 ? `a bad ${name} was accepted` : null),
      }),
    );
  }
  const queryNames = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  if (queryNames.length)
    probes.push({
      label: 'every query parameter junk',
      auth: 'admin+service',
      query: queryNames.map((n) => `${n}=${'%7B'.repeat(300)}`).join('&'),
      body: plausible,
    });
  if (method !== 'get') {
    const unknown = {
      ...(sample(bodySchema) as object),
      zz_unknown: 1,
      role: 'admin',
      is_admin: true,
    };
    const bodies: [string, Probe['body'], Probe['expect']?][] = [
      ['empty body', null],
      ['every property an object', json(everyProperty(bodySchema, () => ({})))],
      [
        'every property a wrong scalar',
        json(everyProperty(bodySchema, (s) => (isNumeric(s) ? 'not-a-number' : 12345))),
      ],
      ['a top-level array', json([1, 2, 3])],
      ['a top-level string', json('text')],
      ['malformed JSON', { text: '{"a": 1,' }],
      ['JSON sent as text/plain', { ...json(sample(bodySchema)), type: 'text/plain' }],
      [
        'an oversized body',
        json({ padding: 'x'.repeat(bodyLimitFor(path, MAX_BODY_BYTES) + 1) }),
        (s) => (s !== 413 ? `an oversized body answered ${s}, not 413` : null),
      ],
      [
        'unknown fields',
        json(unknown),
        (s) => (strict && s < 300 ? 'a strict schema accepted unknown fields' : null),
      ],
    ];
    // Alternating credentials keeps the count bounded; unknown fields go with the most capable.
    bodies.forEach(([label, body, expect], i) =>
      probes.push({ label, auth: i % 2 ? 'user' : 'admin+service', body, expect }),
    );
  }
  // Last, since a plausible call may end the caller's session (logout, delete, suspend...).
  for (const auth of AUTH_MODES) probes.push({ label: 'plausible request', auth, body: plausible });
  return probes;
}

let requestCount = 0;

async function fuzz(method: string, path: string, op: Operation) {
  const [user, admin] = [await principal('user'), await principal('admin')];
  // Path parameters that exist, so bad values are tried one at a time against good ones.
  const good: Record<string, string> = {
    user_id: user.id,
    session_id: user.sid,
    role: 'view',
    permission: 'dashboards:read',
  };
  const goodParam = (name: string) =>
    good[name] ??
    encodeURIComponent(String(sample(op.parameters?.find((p) => p.name === name)?.schema)));
  const query = (op.parameters ?? [])
    .filter((p) => p.in === 'query' && p.required)
    .map((p) => `${p.name}=${encodeURIComponent(String(sample(p.schema)))}`)
    .join('&');

  const probes = probesFor(method, path, op);
  const problems: string[] = [];
  const statuses = new Set<number>();
  for (const probe of probes) {
    const headers = new Headers({ 'X-Request-ID': `fuzz-${++requestCount}` });
    if (probe.auth.startsWith('user')) headers.set('Authorization', `Bearer ${user.token}`);
    if (probe.auth.startsWith('admin')) headers.set('Authorization', `Bearer ${admin.token}`);
    if (probe.auth.endsWith('service'))
      for (const [k, v] of Object.entries(serviceHeaders())) headers.set(k, v);
    const body = method !== 'get' && probe.body ? probe.body.text : undefined;
    if (body !== undefined) headers.set('Content-Type', probe.body?.type ?? 'application/json');
    const target = path.replace(/\{(\w+)\}/g, (_m, n: string) => probe.params?.[n] ?? goodParam(n));
    const search = probe.query ?? query;
    const url = `http://auth.test${target}${search ? `?${search}` : ''}`;
    const res = await exports.default.fetch(
      // manual: a documented redirect (the social sign-in's 302s) is checked as itself.
      new Request(url, { method: method.toUpperCase(), headers, body, redirect: 'manual' }),
    );
    const text = await res.text();
    statuses.add(res.status);
    const where = `${method.toUpperCase()} ${path} [${probe.label}, ${probe.auth}] → ${res.status}`;
    for (const problem of check(op, res, text, headers.get('X-Request-ID')!))
      problems.push(`${where}: ${problem}`);
    const extra = probe.expect?.(res.status);
    if (extra) problems.push(`${where}: ${extra}`);
  }
  // Valid credentials got past authentication at least once, so the probes reached the route.
  // The identity provider's userinfo takes its own access tokens, which no principal here holds
  // (test/idp-flow.test.ts calls it with them).
  if (!path.startsWith('/oauth/userinfo') && [...statuses].every((s) => s === 401 || s === 403))
    problems.push(`${method.toUpperCase()} ${path}: every probe was refused as unauthenticated`);
  return { problems, count: probes.length };
}

/** Everything the contract promises about one answer; returns what it breaks. */
function check(op: Operation, res: Response, text: string, requestId: string): string[] {
  const problems: string[] = [];
  const { status } = res;
  if (status >= 500) problems.push('server error');
  if (!documents(op, status)) problems.push('status is not documented');
  if (res.headers.get('X-Request-ID') !== requestId) problems.push('X-Request-ID not echoed');
  if (LEAK.test(text)) problems.push(`leaks internals: ${text.slice(0, 200)}`);
  for (const name of requiredHeaders(op, status))
    if (!res.headers.has(name)) problems.push(`documented header ${name} is missing`);
  if (status < 400 || !documentedAsError(op, status)) return problems;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text);
  } catch {
    return [...problems, `error body is not JSON: ${text.slice(0, 100)}`];
  }
  if (!(res.headers.get('Content-Type') ?? '').startsWith('application/json'))
    problems.push('error is not application/json');
  const extraKeys = Object.keys(body).filter(
    (k) => !['detail', 'error_code', 'request_id', 'errors'].includes(k),
  );
  if (extraKeys.length) problems.push(`error has extra keys ${extraKeys.join(',')}`);
  if (typeof body.detail !== 'string' || !body.detail) problems.push('error without detail');
  if (typeof body.error_code !== 'string' || !ERROR_CODE.test(body.error_code))
    problems.push(`bad error_code ${String(body.error_code)}`);
  else if (!errorCodes.has(body.error_code))
    problems.push(`error_code ${body.error_code} is not in the documented enum`);
  if (body.request_id !== requestId) problems.push('request_id is not the request id');
  if (status === 422) {
    const errors = body.errors as { field?: unknown; message?: unknown }[] | undefined;
    if (!Array.isArray(errors) || !errors.length) problems.push('422 without errors[]');
    else if (errors.some((e) => typeof e.field !== 'string' || typeof e.message !== 'string'))
      problems.push('errors[] entries are not {field, message}');
  } else if ('errors' in body) problems.push(`errors[] on a ${status}`);
  return problems;
}

describe('the served OpenAPI document', () => {
  it('is served as JSON (200) and documents operations', () => {
    expect(served.status, served.text.slice(0, 300)).toBe(200);
    expect(operations.length).toBeGreaterThan(10);
    expect(errorCodes.size).toBeGreaterThan(10);
  });

  it('documents every error response with the one Error schema', () => {
    const odd = operations.flatMap(({ method, path, op }) =>
      Object.entries(op.responses)
        .filter(([status]) => Number(status) >= 400)
        .filter(
          ([, r]) => r.content?.['application/json']?.schema?.$ref !== '#/components/schemas/Error',
        )
        .map(([status]) => `${method.toUpperCase()} ${path} ${status}`),
    );
    // /health and /health/ready answer 503 with their own report, as api.md says; the identity
    // provider's OAuth endpoints answer RFC 6749 bodies (OAuthError) and its authorization
    // endpoint, a browser page, HTML.
    const own = (o: string) =>
      /^GET \/health(\/ready)? 503$/.test(o) || /^(GET|POST) \/oauth\//.test(o);
    expect(odd.filter((o) => !own(o))).toEqual([]);
  });

  it('gives every operation a success response', () => {
    // A browser redirect (the social sign-in's authorize and callback) succeeds with a 302/303.
    for (const { method, path, op } of operations)
      expect(
        Object.keys(op.responses).some((s) => /^(2|30[23])/.test(s)),
        `${method} ${path}`,
      ).toBe(true);
  });
});

describe('every documented operation, fuzzed', () => {
  it.each(operations.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const))(
    '%s keeps the contract under bad input',
    async (_name, { method, path, op }) => {
      const { problems, count } = await fuzz(method, path, op);
      // Bounded: a few dozen requests per operation.
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThan(60);
      expect(problems).toEqual([]);
    },
  );
});
