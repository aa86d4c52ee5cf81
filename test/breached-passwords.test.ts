import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { BREACHED, PADDED_ONLY, PWNED_HOST } from './fake-pwned';
import {
  api,
  apiWithEnv,
  createSignedInUser,
  createUser,
  expectError,
  signIn,
  STRONG_PASSWORD,
  uniqueEmail,
  useVarsForThisFile,
} from './helpers';
import { serviceHeaders } from './helpers-admin';
import { latestToken, RESET_SUBJECT } from './helpers-mail';

// Issue 29, api.md "Abuse defenses": new passwords against a k-anonymity range API (faked at the
// network edge by test/fake-pwned.ts), in the three modes and the three ways it can fail.

const at = (host: string) => `https://${host}/range/`;
useVarsForThisFile({ BREACHED_PASSWORDS: 'fail-open', BREACHED_PASSWORDS_URL: at(PWNED_HOST) });

/** A password no fake knows, unique to the test: its prefix is a range of its own. */
const fresh = () => `Quiet-${crypto.randomUUID().slice(0, 12)}-9`;

const register = (password: string, vars: Record<string, string> = {}) =>
  apiWithEnv(vars, 'POST', '/auth/register', { json: { email: uniqueEmail('hibp'), password } });

/** The requests one fake host received. */
async function rangeCalls(host: string) {
  const res = await fetch(`https://${PWNED_HOST}/calls?host=${host}`);
  return res.json<{ path: string; padding: string | null }[]>();
}

/** The SHA-1 of a password, uppercase hex. */
async function sha1(text: string) {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

async function counters() {
  const res = await api('GET', '/metrics', { headers: serviceHeaders('scraper') });
  expect(res.status, res.text).toBe(200);
  const value = (name: string) =>
    Number(parsePrometheusTextFormat(res.text).find((f) => f.name === name)?.metrics[0]?.value);
  return {
    hits: value('platform_breached_password_hits_total'),
    failures: value('platform_breached_password_check_failures_total'),
  };
}

describe('breached passwords on register', () => {
  it('refuses a breached password with 422 BREACHED_PASSWORD, sending only the 5-character prefix, padded', async () => {
    const host = 'register.pwned.test';
    const res = await register(BREACHED[0]!, { BREACHED_PASSWORDS_URL: at(host) });
    const body = expectError(res, 422, 'BREACHED_PASSWORD');
    expect(body.errors).toEqual([{ field: 'password', message: expect.any(String) }]);
    const hash = await sha1(BREACHED[0]!);
    expect(await rangeCalls(host)).toEqual([
      { host, path: `/range/${hash.slice(0, 5)}`, padding: 'true' },
    ]);
  });

  it('counts a padding line (count 0) as no hit', async () => {
    expect((await register(PADDED_ONLY)).status).toBe(201);
  });

  it('accepts a password the range does not hold', async () => {
    expect((await register(fresh())).status).toBe(201);
  });

  it('asks the range API once per prefix a day: the second sign-up reads the edge cache', async () => {
    const host = 'cache.pwned.test';
    const password = fresh();
    expect((await register(password, { BREACHED_PASSWORDS_URL: at(host) })).status).toBe(201);
    expect((await register(password, { BREACHED_PASSWORDS_URL: at(host) })).status).toBe(201);
    expect(await rangeCalls(host)).toHaveLength(1);
    // A breached password's cached range still refuses it.
    const breached = BREACHED[1]!;
    expectError(
      await register(breached, { BREACHED_PASSWORDS_URL: at(host) }),
      422,
      'BREACHED_PASSWORD',
    );
    expectError(
      await register(breached, { BREACHED_PASSWORDS_URL: at(host) }),
      422,
      'BREACHED_PASSWORD',
    );
    expect(await rangeCalls(host)).toHaveLength(2);
  });

  it('keeps a range in the edge cache as answered; a padding line read back is still no hit', async () => {
    const host = 'keep.pwned.test';
    expect((await register(PADDED_ONLY, { BREACHED_PASSWORDS_URL: at(host) })).status).toBe(201);
    const hash = await sha1(PADDED_ONLY);
    const kept = await caches.default.match(`${at(host)}${hash.slice(0, 5)}`);
    const lines = (await kept!.text()).split('\r\n');
    for (const line of lines) expect(line).toMatch(/^[0-9A-F]{35}:\d+$/);
    expect(lines).toContain(`${hash.slice(5)}:0`);
    expect((await register(PADDED_ONLY, { BREACHED_PASSWORDS_URL: at(host) })).status).toBe(201);
    expect(await rangeCalls(host)).toHaveLength(1);
  });

  it('answers from the edge cache while the circuit is open, and asks nothing', async () => {
    const host = 'down-cached.pwned.test';
    const vars = {
      BREACHED_PASSWORDS: 'fail-closed',
      BREACHED_PASSWORDS_URL: at(host),
      BREAKER_FAILURE_THRESHOLD: '1',
      BREAKER_COOLDOWN_SECONDS: '120',
    };
    // A range kept earlier, while the API still answered (the cache is the data center's).
    const hash = await sha1(BREACHED[0]!);
    await caches.default.put(
      `${at(host)}${hash.slice(0, 5)}`,
      new Response(`${hash.slice(5)}:52013`, { headers: { 'Cache-Control': 'max-age=600' } }),
    );
    expectError(await register(fresh(), vars), 503, 'DEPENDENCY_UNAVAILABLE');
    expect(await rangeCalls(host)).toHaveLength(1);
    expectError(await register(BREACHED[0]!, vars), 422, 'BREACHED_PASSWORD');
    expect(await rangeCalls(host)).toHaveLength(1);
  });

  it('makes no call when BREACHED_PASSWORDS=off', async () => {
    const host = 'off.pwned.test';
    const res = await register(BREACHED[0]!, {
      BREACHED_PASSWORDS: 'off',
      BREACHED_PASSWORDS_URL: at(host),
    });
    expect(res.status).toBe(201);
    expect(await rangeCalls(host)).toEqual([]);
  });

  it('counts hits in /metrics', async () => {
    const before = await counters();
    expectError(await register(BREACHED[1]!), 422, 'BREACHED_PASSWORD');
    expect((await counters()).hits).toBe(before.hits + 1);
  });
});

describe('breached passwords on change and reset', () => {
  it('refuses a breached new password on change; the old one still works', async () => {
    const user = await createSignedInUser();
    const res = await api('POST', '/auth/change-password', {
      token: user.access_token,
      json: { current_password: user.password, new_password: BREACHED[0]! },
    });
    const body = expectError(res, 422, 'BREACHED_PASSWORD');
    expect(body.errors).toEqual([{ field: 'new_password', message: expect.any(String) }]);
    await signIn(user);
  });

  it('refuses a breached new password on reset without using the link up', async () => {
    const user = await createUser();
    expect(
      (await api('POST', '/auth/forgot-password', { json: { email: user.email } })).status,
    ).toBe(202);
    const token = await latestToken(user.email, RESET_SUBJECT);
    const reset = (password: string) =>
      api('POST', '/auth/reset-password', { json: { token, new_password: password } });
    expectError(await reset(BREACHED[1]!), 422, 'BREACHED_PASSWORD');
    const next = fresh();
    expect((await reset(next)).status).toBe(200);
    await signIn({ email: user.email, password: next });
  });
});

describe('a range API that is slow, down or answers garbage', () => {
  const failing = [
    ['slow', { BREACHED_PASSWORDS_TIMEOUT_MS: '200' }],
    ['down', {}],
    ['garbage', {}],
    ['empty', {}],
  ] as const;

  for (const [kind, extra] of failing) {
    it(`${kind}, fail-open: the sign-up succeeds, and the failure is counted`, async () => {
      const before = await counters();
      const res = await register(BREACHED[0]!, {
        ...extra,
        BREACHED_PASSWORDS_URL: at(`${kind}.pwned.test`),
      });
      expect(res.status, res.text).toBe(201);
      expect((await counters()).failures).toBe(before.failures + 1);
    });

    it(`${kind}, fail-closed: 503 DEPENDENCY_UNAVAILABLE with Retry-After, no account`, async () => {
      const email = uniqueEmail('closed');
      const vars = {
        ...extra,
        BREACHED_PASSWORDS: 'fail-closed',
        BREACHED_PASSWORDS_URL: at(`${kind}-closed.pwned.test`),
      };
      const res = await apiWithEnv(vars, 'POST', '/auth/register', {
        json: { email, password: STRONG_PASSWORD },
      });
      expectError(res, 503, 'DEPENDENCY_UNAVAILABLE');
      expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
      const login = await api('POST', '/auth/login', {
        json: { email, password: STRONG_PASSWORD },
      });
      expectError(login, 401, 'INVALID_CREDENTIALS');
    });
  }

  it('opens the circuit after the failure threshold: no more calls, fail-closed says when to retry', async () => {
    const host = 'down-circuit.pwned.test';
    const vars = {
      BREACHED_PASSWORDS: 'fail-closed',
      BREACHED_PASSWORDS_URL: at(host),
      BREAKER_FAILURE_THRESHOLD: '2',
      BREAKER_COOLDOWN_SECONDS: '120',
    };
    for (let i = 0; i < 4; i++)
      expectError(await register(fresh(), vars), 503, 'DEPENDENCY_UNAVAILABLE');
    expect(await rangeCalls(host)).toHaveLength(2);
    const res = await register(fresh(), vars);
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(60);
  });
});
