import { describe, expect, it } from 'vitest';
import {
  api,
  createUser,
  expectError,
  PRODUCTION_HASHING,
  signIn,
  uniqueEmail,
  useVarsForThisFile,
} from './helpers';

// The lockout is a race against the hash (20 parallel wrong passwords): at production cost.
useVarsForThisFile(PRODUCTION_HASHING);

const login = (email: string, password: string, headers?: Record<string, string>) =>
  api('POST', '/auth/login', { json: { email, password }, headers });

describe('account lockout', () => {
  it('locks after 5 failures: 423 with Retry-After, and refuses the right password', async () => {
    const user = await createUser();
    for (let i = 0; i < 5; i++)
      expectError(await login(user.email, 'Wrong-Password-1'), 401, 'INVALID_CREDENTIALS');
    const locked = await login(user.email, user.password);
    expectError(locked, 423, 'ACCOUNT_LOCKED');
    const retryAfter = Number(locked.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(890);
    expect(retryAfter).toBeLessThanOrEqual(900);
  });

  it('evaluates at most 5 of 20 parallel wrong passwords', async () => {
    const user = await createUser();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => login(user.email, 'Wrong-Password-1')),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 423)).toHaveLength(15);
  });

  it('counts unknown emails the same way, so a lock reveals nothing', async () => {
    const email = uniqueEmail('ghost');
    for (let i = 0; i < 5; i++)
      expectError(await login(email, 'Wrong-Password-1'), 401, 'INVALID_CREDENTIALS');
    expectError(await login(email, 'Wrong-Password-1'), 423, 'ACCOUNT_LOCKED');
  });

  it('resets the failure count after a successful login', async () => {
    const user = await createUser();
    for (let i = 0; i < 4; i++) await login(user.email, 'Wrong-Password-1');
    await signIn(user);
    for (let i = 0; i < 4; i++)
      expectError(await login(user.email, 'Wrong-Password-1'), 401, 'INVALID_CREDENTIALS');
    await signIn(user);
  });

  it('locks one account without touching another', async () => {
    const victim = await createUser();
    const bystander = await createUser();
    for (let i = 0; i < 6; i++) await login(victim.email, 'Wrong-Password-1');
    await signIn(bystander);
  });
});

/**
 * The Rate Limiting binding's windows are aligned to the wall clock (Miniflare: floor(now /
 * period)), so a run of requests that straddles a boundary sees the count start again and no
 * 429. Such a run (a failure with the window changed meanwhile) is repeated once, on a fresh
 * address, in the new window; any other failure stands.
 */
async function inOneWindow(network: string, run: (ip: string) => Promise<void>) {
  const window = () => Math.floor(Date.now() / 60_000);
  for (let attempt = 0; ; attempt++) {
    const started = window();
    try {
      return await run(`${network}.${attempt}.${1 + Math.floor(Math.random() * 250)}`);
    } catch (err) {
      if (attempt > 0 || window() === started) throw err;
    }
  }
}

describe('per-IP rate limits', () => {
  it('answers 429 with Retry-After and X-RateLimit-Limit past the limit for one CF-Connecting-IP', () =>
    inOneWindow('198.18', async (ip) => {
      const headers = { 'CF-Connecting-IP': ip };
      // Refresh with garbage costs no hash: 100 allowed per minute by default.
      const send = () =>
        api('POST', '/auth/refresh', { json: { refresh_token: 'x'.repeat(20) }, headers });
      const first = await send();
      expect(first.status).toBe(401);
      expect(first.headers.get('X-RateLimit-Limit')).toBe('100');
      // The Rate Limiting binding reports no count: an allowed request gets nothing it cannot back.
      expect(first.headers.has('X-RateLimit-Remaining')).toBe(false);
      expect(first.headers.has('X-RateLimit-Reset')).toBe(false);
      for (let i = 0; i < 99; i++) await send();
      const limited = await send();
      expectError(limited, 429, 'RATE_LIMITED');
      // The binding's window is fixed at 60 s: the longest a refused address waits.
      expect(limited.headers.get('Retry-After')).toBe('60');
      expect(limited.headers.get('X-RateLimit-Limit')).toBe('100');
      // What a refusal can say for sure: nothing remains, and one window is the longest wait.
      expect(limited.headers.get('X-RateLimit-Remaining')).toBe('0');
      expect(limited.headers.get('X-RateLimit-Reset')).toBe('60');
      // Another address is unaffected.
      expect(
        (
          await api('POST', '/auth/refresh', {
            json: { refresh_token: 'x'.repeat(20) },
            headers: { 'CF-Connecting-IP': '203.0.113.9' },
          })
        ).status,
      ).toBe(401);
    }));

  it('ignores X-Forwarded-For: only CF-Connecting-IP identifies the client', () =>
    inOneWindow('198.19', async (ip) => {
      const headers = { 'CF-Connecting-IP': ip };
      for (let i = 0; i < 100; i++) {
        await api('POST', '/auth/refresh', {
          json: { refresh_token: 'y'.repeat(20) },
          headers: { ...headers, 'X-Forwarded-For': `10.0.0.${i}` },
        });
      }
      const limited = await api('POST', '/auth/refresh', {
        json: { refresh_token: 'y'.repeat(20) },
        headers: { ...headers, 'X-Forwarded-For': '10.9.9.9' },
      });
      expectError(limited, 429, 'RATE_LIMITED');
    }));
});
