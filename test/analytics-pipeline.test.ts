import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  api,
  apiWithEnv,
  createSignedInUser,
  createUser,
  env,
  eventually,
  expectError,
} from './helpers';
import { createSignedInAdmin, serviceHeaders } from './helpers-admin';
import { brokenQueue, pollUntil, rawEventsOf, uniqueName } from './helpers-analytics';

// End to end through Miniflare's local queue: HTTP (or RPC) → ANALYTICS queue → the Worker's
// queue() handler → D1 rollups → the read routes.

const metric = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  value: 1,
  ...extra,
});

describe('analytics pipeline', () => {
  it("aggregates a user's domain events and custom events into their usage", async () => {
    const user = await createSignedInUser();
    const type = uniqueName('report_exported');
    const sent = await api('POST', '/analytics/events', {
      token: user.access_token,
      json: { event_type: type, properties: { format: 'csv', rows: 12 } },
    });
    expect(sent.status, sent.text).toBe(202);
    expect(sent.body).toMatchObject({ accepted: 1, event_id: expect.any(String) });
    const usage = await pollUntil(
      `/analytics/usage/${user.id}`,
      (b: any) => b.events_by_type[type] === 1 && b.logins === 1,
      { token: user.access_token },
    );
    expect(usage).toMatchObject({
      user_id: user.id,
      from: expect.any(String),
      to: expect.any(String),
      logins: 1,
      failed_logins: 0,
      api_calls: 0,
      cost_usd: 0,
    });
    expect(usage.events_by_type).toMatchObject({ registered: 1, login_succeeded: 1, [type]: 1 });
  });

  it('aggregates a metrics batch into the series, the costs and the user usage', async () => {
    const user = await createUser();
    const name = uniqueName('llm_request');
    const model = uniqueName('model');
    const metrics = [
      metric(name, { value: 100, labels: { model }, cost_usd: 0.5, user_id: user.id }),
      metric(name, { value: 300, labels: { model }, cost_usd: 1.5, user_id: user.id }),
      metric(name, { value: 50, labels: { model: 'other' } }),
    ];
    const res = await api('POST', '/analytics/metrics/batch', {
      headers: serviceHeaders(),
      json: { metrics },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({ accepted: 3 });

    const series = await pollUntil(
      `/analytics/metrics?name=${name}&label.model=${model}`,
      (b: any) => b.points[0]?.count === 2,
    );
    expect(series).toEqual({
      name,
      interval: 'hour',
      points: [{ t: expect.any(String), count: 2, sum: 400, min: 100, max: 300, avg: 200 }],
    });
    const all = await api('GET', `/analytics/metrics?name=${name}&interval=day`, {
      headers: serviceHeaders(),
    });
    expect(all.body.points).toEqual([
      expect.objectContaining({ count: 3, sum: 450, min: 50, max: 300 }),
    ]);
    expect(all.body.points[0].t).toMatch(/T00:00:00.000Z$/);

    const costs = await api('GET', '/analytics/costs?group_by=model', {
      headers: serviceHeaders(),
    });
    expect(costs.status, costs.text).toBe(200);
    expect(costs.body.groups).toContainEqual({ key: model, cost_usd: 2, count: 2 });
    expect(costs.body.total_usd).toBeGreaterThanOrEqual(2);
    const usage = await api('GET', `/analytics/usage/${user.id}`, { headers: serviceHeaders() });
    expect(usage.body).toMatchObject({ api_calls: 2, cost_usd: 2 });
  });

  it('refuses a whole batch with one bad entry: nothing of it is aggregated', async () => {
    const name = uniqueName('partial');
    const old = new Date(Date.now() - 8 * 86_400_000).toISOString();
    const bad = await api('POST', '/analytics/metrics/batch', {
      headers: serviceHeaders(),
      json: { metrics: [metric(name), metric(name, { timestamp: old })] },
    });
    expect(expectError(bad, 422, 'TIMESTAMP_OUT_OF_RANGE').errors).toEqual([
      { field: 'metrics.1.timestamp', message: expect.any(String) },
    ]);
    // A later good batch is aggregated; by then the refused one would have been too.
    const sentinel = uniqueName('sentinel');
    await api('POST', '/analytics/metrics', { headers: serviceHeaders(), json: metric(sentinel) });
    await pollUntil(`/analytics/metrics?name=${sentinel}`, (b: any) => b.points.length === 1);
    const refused = await api('GET', `/analytics/metrics?name=${name}`, {
      headers: serviceHeaders(),
    });
    expect(refused.body.points).toEqual([]);
  });

  it('RPC track() goes through the same queue', async () => {
    const user = await createUser();
    const type = uniqueName('rpc_event');
    const answer = await exports.AuthService.track({ event_type: type, user_id: user.id });
    expect(answer).toMatchObject({ accepted: 1, event_id: expect.any(String) });
    await pollUntil(`/analytics/usage/${user.id}`, (b: any) => b.events_by_type[type] === 1);
    expect(await exports.AuthService.track({ event_type: 'login_succeeded' })).toMatchObject({
      accepted: 0,
    });
  });

  it('shows logins and failures on the admin dashboard', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    await api('POST', '/auth/login', { json: { email: user.email, password: 'Wrong-Password-1' } });
    const board = await pollUntil(
      '/analytics/dashboard',
      (b: any) => b.top_users.some((u: any) => u.user_id === user.id && u.events >= 3),
      { token: admin.access_token },
    );
    expect(board).toMatchObject({
      users_total: expect.any(Number),
      active_sessions: expect.any(Number),
      logins_24h: expect.any(Number),
      failed_logins_24h: expect.any(Number),
      events_by_type: expect.objectContaining({ login_failed: expect.any(Number) }),
    });
    expect(board.users_total).toBeGreaterThanOrEqual(2);
    expect(board.active_sessions).toBeGreaterThanOrEqual(2);
    expect(board.failed_logins_24h).toBeGreaterThanOrEqual(1);
    expect(board.top_users.find((u: any) => u.user_id === user.id)).toEqual({
      user_id: user.id,
      email: user.email,
      events: 3,
    });
  });

  it('never stores an email, password or token from a domain event', async () => {
    const user = await createSignedInUser();
    await api('POST', '/auth/login', { json: { email: user.email, password: 'Wrong-Password-1' } });
    await api('POST', '/auth/refresh', { json: { refresh_token: user.refresh_token } });
    const rows = await eventually(async () => {
      const found = await rawEventsOf(user.id);
      return found.length >= 4 ? found : null;
    }, 20_000);
    expect(rows?.map((r) => r.name)).toEqual(
      expect.arrayContaining(['registered', 'login_succeeded', 'login_failed', 'refresh']),
    );
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(user.email);
    expect(stored).not.toContain(user.password);
    expect(stored).not.toContain(user.refresh_token);
    expect(stored).not.toContain(user.access_token);
  });

  it('sends no event for a write that did not happen (a refused duplicate registration)', async () => {
    const registered = async () =>
      (
        await env.DB.prepare(
          "SELECT count(*) AS n FROM analytics_events WHERE name = 'registered'",
        ).first<{ n: number }>()
      )?.n ?? 0;
    const taken = await createUser();
    await eventually(async () => (await rawEventsOf(taken.id)).length > 0, 20_000);
    const before = await registered();
    const again = await api('POST', '/auth/register', {
      json: { email: taken.email, password: taken.password },
    });
    expectError(again, 409, 'USER_EXISTS');
    // A registration after it is aggregated; the refused one would have been by then.
    const next = await createUser();
    await eventually(async () => (await rawEventsOf(next.id)).length > 0, 20_000);
    expect(await registered()).toBe(before + 1);
  });

  it('answers the request even when the queue refuses every send, and counts the loss', async () => {
    const before = await sendFailures();
    const user = await createUser();
    const res = await apiWithEnv({ ANALYTICS: brokenQueue }, 'POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect(res.status, res.text).toBe(200);
    expect(await sendFailures()).toBe(before + 1);
    // The audit row rides on the analytics message; with the queue down it is written directly.
    const audit = await env.DB.prepare('SELECT action FROM audit_events WHERE user_id = ?')
      .bind(user.id)
      .all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toContain('login_succeeded');
    const track = await apiWithEnv({ ANALYTICS: brokenQueue }, 'POST', '/analytics/events', {
      headers: serviceHeaders(),
      json: { event_type: 'x_event' },
    });
    expectError(track, 503, 'DEPENDENCY_UNAVAILABLE');
  });

  it('serves Prometheus text that a Prometheus parser reads, with the named series', async () => {
    const admin = await createSignedInAdmin();
    await pollUntil('/analytics/dashboard', (b: any) => b.logins_24h >= 1, {
      token: admin.access_token,
    });
    const res = await api('GET', '/metrics', { token: admin.access_token });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(res.text);
    const byName = Object.fromEntries(families.map((f) => [f.name, f]));
    for (const [name, type] of [
      ['platform_auth_attempts_total', 'COUNTER'],
      ['platform_jwt_tokens_issued_total', 'COUNTER'],
      ['platform_jwt_tokens_active', 'GAUGE'],
      ['platform_analytics_events_total', 'COUNTER'],
      ['platform_queue_rejected_total', 'COUNTER'],
    ]) {
      expect(byName[name!], name).toMatchObject({ type, help: expect.stringMatching(/\w/) });
    }
    const results = byName.platform_auth_attempts_total!.metrics.map((m: any) => m.labels.result);
    expect(results.sort()).toEqual(['failure', 'success']);
    const success = byName.platform_auth_attempts_total!.metrics.find(
      (m: any) => m.labels.result === 'success',
    );
    expect(Number(success?.value)).toBeGreaterThanOrEqual(1);
    expect(
      byName.platform_analytics_events_total!.metrics.map((m: any) => m.labels.type),
    ).toContain('login_succeeded');
    expect(Number(byName.platform_jwt_tokens_active!.metrics[0]?.value)).toBeGreaterThanOrEqual(1);

    const service = await api('GET', '/metrics', { headers: serviceHeaders() });
    expect(service.status).toBe(200);
    expectError(await api('GET', '/metrics'), 401, 'INVALID_TOKEN');
    const user = await createSignedInUser();
    expectError(await api('GET', '/metrics', { token: user.access_token }), 403, 'FORBIDDEN');
  });
});

async function sendFailures() {
  const row = await env.DB.prepare(
    "SELECT value FROM analytics_counters WHERE name = 'send_failed'",
  ).first<{ value: number }>();
  return row?.value ?? 0;
}
