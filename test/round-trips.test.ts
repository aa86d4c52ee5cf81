import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../src/index';
import { recorder, summarize, traceBindings, type Summary } from '../bench/worker/round-trips';
import { createSignedInUser, createUser, env, STRONG_PASSWORD, uniqueEmail } from './helpers';

/**
 * Sequential binding calls on each route's critical path (issue 14): in production each is a
 * network round trip. The bindings are the real ones, wrapped to record each call; the count
 * stops at the moment the Response is handed back, so waitUntil work (audit rows, the analytics
 * batch, the verification email) is reported apart. Each route's depth is pinned to what it is
 * now (at or under its target), so a route that adds a sequential call fails here.
 */
let ipCounter = 0;
async function traced(
  method: string,
  path: string,
  init: { json?: unknown; token?: string; vars?: Record<string, string> } = {},
) {
  const rec = recorder();
  const headers = new Headers({ 'CF-Connecting-IP': `198.51.100.${++ipCounter % 250}` });
  if (init.json !== undefined) headers.set('Content-Type', 'application/json');
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  const request = new Request(`http://auth.test${path}`, {
    method,
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, traceBindings({ ...env, ...init.vars }, rec), ctx);
  rec.responded();
  const body = await res.json<Record<string, unknown>>();
  await waitOnExecutionContext(ctx);
  return { status: res.status, body, summary: summarize(rec) };
}

const describePath = (s: Summary) => s.path.map((step) => step.join(' ‖ ')).join(' → ');

describe('round trips on the critical path', () => {
  it('summarize: parallel calls count once, sequential ones add up, later work is off the path', () => {
    const rec = recorder();
    const a = rec.record('A');
    const b = rec.record('B');
    a();
    b();
    const c = rec.record('C');
    c();
    const pending = rec.record('pending');
    rec.responded();
    const after = rec.record('after');
    after();
    pending();
    expect(summarize(rec)).toMatchObject({
      depth: 2,
      critical: 3,
      total: 5,
      offPath: ['pending', 'after'],
    });
    expect(summarize(rec).path).toEqual([['A', 'B'], ['C']]);
  });

  it('GET /auth/verify: 1 (the session check)', async () => {
    const user = await createSignedInUser();
    const { status, summary } = await traced('GET', '/auth/verify', { token: user.access_token });
    expect(status).toBe(200);
    expect(summary.depth, describePath(summary)).toBe(1);
    expect(summary.path).toEqual([['SESSIONS.check']]);
  });

  it('POST /auth/refresh: ≤ 2', async () => {
    const user = await createSignedInUser();
    const { status, summary } = await traced('POST', '/auth/refresh', {
      json: { refresh_token: user.refresh_token },
    });
    expect(status).toBe(200);
    expect(summary.depth, describePath(summary)).toBe(2);
  });

  it('POST /auth/login: ≤ 3 plus the hash, one queue send per subscriber after the answer (the audit row rides on analytics)', async () => {
    const user = await createUser();
    const { status, summary } = await traced('POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect(status).toBe(200);
    expect(summary.depth, describePath(summary)).toBe(3);
    // The user, its roles and its second factors are one D1 batch; the lockout object gets the
    // reservation and the reset, the user's session store the new session.
    expect(summary.path).toEqual([
      ['RATE_LIMIT_LOGIN.limit', 'DB.batch'],
      ['RATE_LIMITER.hit'],
      ['RATE_LIMITER.reset', 'SESSIONS.create'],
    ]);
    // The audit row travels with the analytics message; the consumer writes a queue batch's
    // rows in one D1 batch, so the request itself makes no D1 write after the answer.
    // The webhooks subscriber has a queue of its own (session.created), so that webhooks never
    // wait on, or die with, analytics: one send each.
    expect(summary.offPath).toEqual([
      expect.stringMatching(/^ANALYTICS\.send/),
      expect.stringMatching(/^WEBHOOKS\.send/),
    ]);
  });

  it('POST /auth/login with a wrong password: no more than a right one', async () => {
    const user = await createUser();
    const { status, summary } = await traced('POST', '/auth/login', {
      json: { email: user.email, password: `${user.password}x` },
    });
    expect(status).toBe(401);
    expect(summary.depth, describePath(summary)).toBeLessThanOrEqual(3);
  });

  it('POST /auth/register: ≤ 3, the verification email after the answer', async () => {
    const { status, summary } = await traced('POST', '/auth/register', {
      json: { email: uniqueEmail('rt'), password: STRONG_PASSWORD },
    });
    expect(status).toBe(201);
    expect(summary.depth, describePath(summary)).toBe(2);
    expect(summary.offPath.length, summary.offPath.join()).toBeGreaterThan(0);
    // The link's token is stored with the account, and a new account asks no limiter object
    // (it cannot be over its limit): a sign-up starts no Durable Object of its own.
    expect(summary.offPath.filter((call) => /^(RATE_LIMITER|SESSIONS)\./.test(call))).toEqual([]);
  });

  it('POST /auth/register with the breached-password check: at most one step more, the hash beside it', async () => {
    const { status, summary } = await traced('POST', '/auth/register', {
      json: { email: uniqueEmail('rt'), password: `Rt-${crypto.randomUUID().slice(0, 12)}-1` },
      vars: {
        BREACHED_PASSWORDS: 'fail-closed',
        BREACHED_PASSWORDS_URL: 'https://rt.pwned.test/range/',
      },
    });
    expect(status).toBe(201);
    // The check starts with the duplicate check: its circuit breaker's admission (sent together
    // with the edge-cache lookup, which is not a binding) overlaps that read; the range request
    // (not a binding either) is then sent and the hash runs while it is answered. The account's batch waits for both. A success on a clean
    // circuit is not recorded: the breaker calls after the answer are the verification email's.
    expect(summary.depth, describePath(summary)).toBeLessThanOrEqual(3);
    expect(summary.path.flat().filter((call) => call.startsWith('BREAKERS.'))).toEqual([
      'BREAKERS.acquire',
    ]);
    expect(summary.path.at(-1)).toEqual(['DB.batch']);
    expect(summary.path.flat().indexOf('BREAKERS.acquire')).toBeLessThan(
      summary.path.flat().indexOf('DB.batch'),
    );
  });
});
