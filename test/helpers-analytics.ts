import { expect } from 'vitest';
import { api, env, eventually } from './helpers';
import { serviceHeaders } from './helpers-admin';

/** A name no other test uses, for metrics and custom event types. */
export const uniqueName = (tag: string) =>
  `${tag}_${Date.now().toString(36)}_${crypto.randomUUID().slice(0, 8)}`;

/**
 * Polls a read route until `done` holds for its body: the aggregator runs after the queue's
 * batch timeout (wrangler.toml), so reads lag the ingest by a few seconds.
 */
export async function pollUntil<T = any>(
  path: string,
  done: (body: T) => boolean,
  options: { token?: string; headers?: Record<string, string> } = { headers: serviceHeaders() },
  timeoutMs = 20_000,
): Promise<T> {
  let last: T | undefined;
  await eventually(async () => {
    const res = await api<T>('GET', path, options);
    expect(res.status, res.text).toBe(200);
    last = res.body;
    return done(res.body);
  }, timeoutMs);
  expect(done(last!), JSON.stringify(last)).toBe(true);
  return last!;
}

/** The raw analytics rows of a user, as the aggregator stored them. */
export async function rawEventsOf(userId: string) {
  const { results } = await env.DB.prepare(
    'SELECT name, properties, session_id FROM analytics_events WHERE user_id = ?',
  )
    .bind(userId)
    .all<{ name: string; properties: string; session_id: string | null }>();
  return results;
}

/** A queue binding whose every send fails: the only boundary where a test can break the queue. */
export const brokenQueue = {
  send: () => Promise.reject(new Error('Queue send failed: 503')),
  sendBatch: () => Promise.reject(new Error('Queue send failed: 503')),
} as unknown as Queue;
