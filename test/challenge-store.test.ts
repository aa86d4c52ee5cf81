import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

// The ChallengeStore holds many ceremonies' entries (one object per shard): each used once,
// and the expired ones nobody took swept by one alarm, which stays set while entries remain.
describe('ChallengeStore', () => {
  const stub = () => env.CHALLENGES.get(env.CHALLENGES.newUniqueId());

  it('gives an entry once, and never after its expiry', async () => {
    const store = stub();
    const now = Date.now();
    const live = { expiresAt: now + 60_000, challenge: 'x' };
    await store.put('a', live);
    await store.put('b', { expiresAt: now - 1 });
    const [first, second] = await Promise.all([store.take('a', now), store.take('a', now)]);
    expect([first, second].filter(Boolean)).toEqual([live]);
    expect(await store.take('b', now)).toBeNull();
    expect(await store.take('unknown', now)).toBeNull();
  });

  it('sweeps expired entries with one alarm and keeps the live ones', async () => {
    const store = stub();
    const now = Date.now();
    await store.put('old', { expiresAt: now - 120_000 });
    await store.put('live', { expiresAt: now + 600_000 });
    expect(await runDurableObjectAlarm(store)).toBe(true);
    await runInDurableObject(store, async (_instance, state) => {
      expect([...state.storage.kv.list()].map(([key]) => key)).toEqual(['live']);
      // The next sweep waits for the live entry's expiry.
      expect(await state.storage.getAlarm()).toBeGreaterThan(now + 600_000);
    });
  });
});
