import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
} from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../src/domain/analytics/aggregator';
import { createDb } from '../src/db/client';
import { usageOf } from '../src/domain/analytics/reads';
import worker from '../src/index';
import { env, unreachableD1 } from './helpers';
import { uniqueName } from './helpers-analytics';

// The queue() handler called directly with batches built by the test pool, so that ack and
// retry can be read back (getQueueResult); D1 is the real one, or an unreachable binding.

const QUEUE = 'edge-auth-analytics';

const eventBody = (type: string, extra: Record<string, unknown> = {}) => ({
  kind: 'event',
  event_id: crypto.randomUUID(),
  timestamp: Date.now(),
  event_type: type,
  user_id: null,
  org_id: null,
  service: 'billing',
  session_id: null,
  properties: {},
  ...extra,
});

let seq = 0;
const message = (body: unknown, attempts = 1) => ({
  id: `msg-${Date.now()}-${seq++}`,
  timestamp: new Date(),
  attempts,
  body,
});

async function deliver(
  messages: ReturnType<typeof message>[],
  queue = QUEUE,
  bindings: Record<string, unknown> = {},
) {
  const batch = createMessageBatch(queue, messages);
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, ...bindings }, ctx);
  return getQueueResult(batch, ctx);
}

async function hourlyCount(type: string) {
  const row = await env.DB.prepare(
    'SELECT sum(count) AS n FROM analytics_event_hourly WHERE event_type = ?',
  )
    .bind(type)
    .first<{ n: number | null }>();
  return row?.n ?? 0;
}

async function counter(name: string) {
  const row = await env.DB.prepare('SELECT value FROM analytics_counters WHERE name = ?')
    .bind(name)
    .first<{ value: number }>();
  return row?.value ?? 0;
}

describe('the analytics consumer', () => {
  it('acks every valid message and rolls them up per hour', async () => {
    const type = uniqueName('checkout');
    const messages = [message(eventBody(type)), message(eventBody(type))];
    const result = await deliver(messages);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks.sort()).toEqual(messages.map((m) => m.id).sort());
    expect(await hourlyCount(type)).toBe(2);
  });

  it('counts a redelivered message once (same event_id), in one batch or across batches', async () => {
    const type = uniqueName('redelivered');
    const body = eventBody(type);
    await deliver([message(body), message(body)]);
    const again = await deliver([message(body, 2)]);
    expect(again.explicitAcks).toHaveLength(1);
    expect(await hourlyCount(type)).toBe(1);
  });

  it("writes the audit rows a batch's events carry, once per event id, and none when D1 fails", async () => {
    const requestId = `audit-${crypto.randomUUID()}`;
    const audit = (action: string) => ({
      action,
      user_id: null,
      organization_id: null,
      actor_id: null,
      ip: '203.0.113.9',
      user_agent: 'ConsumerTest/1.0',
      request_id: requestId,
      metadata: { reason: 'test' },
      at: Date.now(),
    });
    const failed = eventBody(uniqueName('audited'), { audit: audit('login_failed') });
    const locked = eventBody(uniqueName('audited'), { audit: audit('account_locked') });
    const rows = () =>
      env.DB.prepare(
        'SELECT action, ip, user_agent, metadata FROM audit_events WHERE request_id = ? ORDER BY action',
      )
        .bind(requestId)
        .all<{ action: string; ip: string; user_agent: string; metadata: string }>();

    const refused = await deliver([message(failed), message(locked)], QUEUE, { DB: unreachableD1 });
    expect(refused.retryMessages).toHaveLength(2);
    expect((await rows()).results).toEqual([]);

    // Delivered, then redelivered (at-least-once): each row once. An event refused as analytics
    // (a secret-looking property) still gives the trail its row.
    const refusedAsAnalytics = eventBody(uniqueName('audited'), {
      properties: { api_token: 'x' },
      audit: audit('logout'),
    });
    await deliver([message(failed, 2), message(locked, 2), message(refusedAsAnalytics)]);
    await deliver([message(failed, 3)]);
    expect((await rows()).results).toEqual([
      {
        action: 'account_locked',
        ip: '203.0.113.9',
        user_agent: 'ConsumerTest/1.0',
        metadata: '{"reason":"test"}',
      },
      {
        action: 'login_failed',
        ip: '203.0.113.9',
        user_agent: 'ConsumerTest/1.0',
        metadata: '{"reason":"test"}',
      },
      {
        action: 'logout',
        ip: '203.0.113.9',
        user_agent: 'ConsumerTest/1.0',
        metadata: '{"reason":"test"}',
      },
    ]);
  });

  it('acks and counts an invalid message without holding up the valid ones', async () => {
    const type = uniqueName('valid');
    const before = await counter('rejected');
    const good = message(eventBody(type));
    const bad = [
      message({ kind: 'event', event_id: 'not-a-uuid' }),
      message('just a string'),
      message(eventBody(type, { properties: { api_token: 'x' } })),
    ];
    const result = await deliver([bad[0]!, good, bad[1]!, bad[2]!]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks.sort()).toEqual([good, ...bad].map((m) => m.id).sort());
    expect(await hourlyCount(type)).toBe(1);
    expect(await counter('rejected')).toBe(before + 3);
  });

  it('retries the batch with a delay when D1 fails, and counts nothing', async () => {
    const type = uniqueName('d1_down');
    const messages = [message(eventBody(type), 1), message(eventBody(type), 3)];
    const result = await deliver(messages, QUEUE, { DB: unreachableD1 });
    expect(result.explicitAcks).toEqual([]);
    // The pool records which messages were retried, not their delay: that is retryDelaySeconds.
    expect(result.retryMessages).toEqual(messages.map((m) => ({ msgId: m.id })));
    expect(await hourlyCount(type)).toBe(0);
    // The same messages, redelivered once D1 is back, are counted.
    await deliver(messages.map((m) => ({ ...m, attempts: m.attempts + 1 })));
    expect(await hourlyCount(type)).toBe(2);
  });

  it("rolls an organization's usage up for usageOf({ orgId }), apart from other orgs", async () => {
    const orgId = uniqueName('org');
    const metricBody = (org: string, cost: number) => ({
      kind: 'metric',
      event_id: crypto.randomUUID(),
      timestamp: Date.now(),
      user_id: crypto.randomUUID(),
      org_id: org,
      service: 'billing',
      name: 'llm_request',
      value: 1,
      unit: null,
      labels: { model: 'small' },
      cost_usd: cost,
    });
    await deliver([
      message(metricBody(orgId, 0.25)),
      message(metricBody(orgId, 0.5)),
      message(metricBody(uniqueName('other_org'), 9)),
      message(eventBody('report_exported', { org_id: orgId })),
    ]);
    const now = Date.now();
    const usage = await usageOf(
      { db: createDb(env) },
      { orgId },
      { from: now - 3_600_000, to: now + 3_600_000 },
    );
    expect(usage).toMatchObject({
      apiCalls: 2,
      costUsd: 0.75,
      eventsByType: { report_exported: 1 },
    });
  });

  it('backs off: 5 s, 10 s, 20 s, ... at most 5 minutes', () => {
    expect([1, 2, 3, 4, 10].map(retryDelaySeconds)).toEqual([5, 10, 20, 40, 300]);
  });

  it('records dead letters in D1 for inspection', async () => {
    const body = eventBody(uniqueName('dead'));
    const dead = message(body, 4);
    const result = await deliver([dead], 'analytics-dlq');
    expect(result.ackAll).toBe(true);
    const row = await env.DB.prepare('SELECT * FROM analytics_dead_letters WHERE message_id = ?')
      .bind(dead.id)
      .first<{ queue: string; attempts: number; body: string }>();
    expect(row).toMatchObject({ queue: 'analytics-dlq', attempts: 4 });
    expect(JSON.parse(row!.body)).toEqual(body);
  });

  it('retries dead letters when D1 cannot record them', async () => {
    const result = await deliver([message(eventBody('x'))], 'analytics-dlq', { DB: unreachableD1 });
    expect(result.ackAll).toBe(false);
    expect(result.retryBatch).toMatchObject({ retry: true });
  });

  it('prunes raw events past the retention from the cron, keeping the rollups', async () => {
    const type = uniqueName('old');
    const old = eventBody(type, { timestamp: Date.now() - 31 * 86_400_000 });
    const recent = eventBody(type);
    await deliver([message(old), message(recent)]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '17 3 * * *' }), env, ctx);
    const { results } = await env.DB.prepare('SELECT event_id FROM analytics_events WHERE name = ?')
      .bind(type)
      .all<{ event_id: string }>();
    expect(results.map((r) => r.event_id)).toEqual([recent.event_id]);
    expect(await hourlyCount(type)).toBe(2);
  });

  it('prunes rollups past ANALYTICS_RETENTION_DAYS (400) and the type quota of past days', async () => {
    const type = uniqueName('ancient');
    const ancient = eventBody(type, { timestamp: Date.now() - 401 * 86_400_000 });
    const kept = eventBody(type, { timestamp: Date.now() - 399 * 86_400_000 });
    await deliver([message(ancient), message(kept)]);
    expect(await hourlyCount(type)).toBe(2);
    const caller = `user:${crypto.randomUUID()}`;
    const today = Math.floor(Date.now() / 86_400_000);
    for (const day of [today - 3, today]) {
      await env.DB.prepare(
        'INSERT INTO analytics_custom_types (caller, day, event_type) VALUES (?, ?, ?)',
      )
        .bind(caller, day, type)
        .run();
    }
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '17 3 * * *' }), env, ctx);
    expect(await hourlyCount(type)).toBe(1);
    const { results } = await env.DB.prepare(
      'SELECT day FROM analytics_custom_types WHERE caller = ?',
    )
      .bind(caller)
      .all<{ day: number }>();
    expect(results.map((r) => r.day)).toEqual([today]);
  });
});
