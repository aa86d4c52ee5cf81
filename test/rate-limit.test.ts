import { describe, expect, it } from 'vitest';
import {
  decide,
  EMPTY_STATE,
  release,
  type RateRule,
  type RateState,
} from '../src/durable-objects/rate-limiter/logic';

const perMinute: RateRule = { limit: 3, windowMs: 60_000 };
const lockout: RateRule = { limit: 5, windowMs: 900_000, lockoutMs: 900_000 };

function run(rule: RateRule, times: number[], start: RateState = EMPTY_STATE) {
  let state = start;
  return times.map((now) => {
    const out = decide(state, rule, now);
    state = out.state;
    return { ...out.decision, state };
  });
}

describe('decide (sliding log)', () => {
  it('allows up to the limit, then refuses with the wait until the oldest hit leaves', () => {
    const [a, b, c, d] = run(perMinute, [0, 10_000, 20_000, 30_000]);
    expect([a!.allowed, b!.allowed, c!.allowed, d!.allowed]).toEqual([true, true, true, false]);
    expect([a!.remaining, b!.remaining, c!.remaining]).toEqual([2, 1, 0]);
    expect(d!.retryAfter).toBe(30); // the hit at 0 leaves the window at 60 s
    expect(d!.resetAt).toBe(60_000);
  });

  it('frees a slot once the oldest hit is older than the window', () => {
    const results = run(perMinute, [0, 1, 2, 60_000]);
    expect(results[3]!.allowed).toBe(true);
    expect(results[3]!.state.hits).toEqual([1, 2, 60_000]);
  });

  it('never stores more hits than the limit, however many are refused', () => {
    const results = run(
      perMinute,
      Array.from({ length: 50 }, (_, i) => i),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
    expect(results.at(-1)!.state.hits).toHaveLength(3);
  });

  it('locks for lockoutMs when a lockout rule fills, and says so once', () => {
    const results = run(lockout, [0, 1, 2, 3, 4, 5, 899_999]);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(results.map((r) => r.lockedNow)).toEqual([
      false,
      false,
      false,
      false,
      true,
      false,
      false,
    ]);
    expect(results[5]!.locked).toBe(true);
    expect(results[5]!.retryAfter).toBe(900); // locked until 4 + 900 s
  });

  it('unlocks when the lockout ends, even though the hits were recent', () => {
    const locked = run(lockout, [0, 1, 2, 3, 4]).at(-1)!.state;
    const after = decide(locked, lockout, 4 + 900_000);
    expect(after.decision.allowed).toBe(true);
  });

  it('rounds Retry-After up and never below one second', () => {
    const full = run(perMinute, [0, 0, 0]).at(-1)!.state;
    expect(decide(full, perMinute, 59_999).decision.retryAfter).toBe(1);
  });

  it('starts afresh when a lock ends, even if the lock was shorter than the failure window', () => {
    const shortLock: RateRule = { limit: 5, windowMs: 900_000, lockoutMs: 60_000 };
    const locked = run(shortLock, [0, 1, 2, 3, 4]).at(-1)!.state;
    expect(locked.hits).toEqual([]);
    const after = decide(locked, shortLock, 4 + 60_000);
    expect(after.decision).toMatchObject({ allowed: true, remaining: 4 });
  });
});

describe('release (a right answer gives its slot back)', () => {
  it('removes the one hit it names, and nothing for a time it does not know', () => {
    const state = run(lockout, [0, 1, 2]).at(-1)!.state;
    expect(release(state, 1).hits).toEqual([0, 2]);
    expect(release(state, 7)).toEqual(state);
  });

  it('undoes a lock that its hit took: the hits before it come back, and the next hit is allowed', () => {
    const locked = run(lockout, [0, 1, 2, 3, 4]).at(-1)!.state;
    expect(locked.lockedUntil).toBeDefined();
    const released = release(locked, 4);
    expect(released).toEqual({ hits: [0, 1, 2, 3] });
    expect(decide(released, lockout, 5).decision).toMatchObject({ allowed: true, lockedNow: true });
  });

  it('leaves a lock that another hit took', () => {
    const locked = run(lockout, [0, 1, 2, 3, 4]).at(-1)!.state;
    expect(release(locked, 2)).toEqual(locked);
  });
});
