import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, env, expectError } from './helpers';
import { createSignedInAdmin, serviceHeaders } from './helpers-admin';

// What the analytics routes refuse, and who may call them. Accepted input is followed through
// the queue in analytics-pipeline.test.ts.

const service = serviceHeaders();
const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();

describe('POST /analytics/events', () => {
  it('takes a user event about themself, or one a service sends about anyone', async () => {
    const user = await createSignedInUser();
    const own = await api('POST', '/analytics/events', {
      token: user.access_token,
      json: { event_type: 'page_viewed', user_id: user.id, timestamp: minutes(1) },
    });
    expect(own.status, own.text).toBe(202);
    const bySvc = await api('POST', '/analytics/events', {
      headers: service,
      json: { event_type: 'invoice_sent', user_id: user.id },
    });
    expect(bySvc.status, bySvc.text).toBe(202);
  });

  it('refuses an event about another user (403), and anonymous callers (401)', async () => {
    const user = await createSignedInUser();
    const other = await createSignedInUser();
    expectError(
      await api('POST', '/analytics/events', {
        token: user.access_token,
        json: { event_type: 'page_viewed', user_id: other.id },
      }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await api('POST', '/analytics/events', { json: { event_type: 'page_viewed' } }),
      401,
      'INVALID_TOKEN',
    );
  });

  it('refuses secret-looking, oversized or nested properties and reserved event types', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ event_type: 'x', properties: { password: 'hunter2' } }, 'properties.password'],
      [{ event_type: 'x', properties: { api_token: 'abc' } }, 'properties.api_token'],
      [{ event_type: 'x', properties: { reset_code: '123456' } }, 'properties.reset_code'],
      [{ event_type: 'x', properties: { note: 'a'.repeat(513) } }, 'properties.note'],
      [{ event_type: 'x', properties: { nested: { a: 1 } } }, 'properties.nested'],
      [{ event_type: 'login_succeeded' }, 'event_type'],
      [{ event_type: 'Not An Identifier' }, 'event_type'],
      [{ event_type: 'x', role: 'admin' }, '(body)'],
    ];
    for (const [json, field] of bad) {
      const res = await api('POST', '/analytics/events', { headers: service, json });
      const body = expectError(res, 422, 'VALIDATION_ERROR');
      expect(
        body.errors.map((e: { field: string }) => e.field),
        JSON.stringify(json),
      ).toContain(field);
    }
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`p${i}`, i]));
    expectError(
      await api('POST', '/analytics/events', {
        headers: service,
        json: { event_type: 'x', properties: many },
      }),
      422,
      'VALIDATION_ERROR',
    );
  });

  it('refuses timestamps over 7 days old or over 5 minutes ahead', async () => {
    for (const timestamp of [minutes(-7 * 24 * 60 - 1), minutes(6)]) {
      const res = await api('POST', '/analytics/events', {
        headers: service,
        json: { event_type: 'x', timestamp },
      });
      expect(expectError(res, 422, 'TIMESTAMP_OUT_OF_RANGE').errors).toEqual([
        { field: 'timestamp', message: expect.any(String) },
      ]);
    }
  });
});

describe('POST /analytics/metrics and /analytics/metrics/batch', () => {
  it('are for services only', async () => {
    const user = await createSignedInUser();
    for (const [path, json] of [
      ['/analytics/metrics', { name: 'm', value: 1 }],
      ['/analytics/metrics/batch', { metrics: [{ name: 'm', value: 1 }] }],
    ] as const) {
      expectError(
        await api('POST', path, { token: user.access_token, json }),
        401,
        'INVALID_API_KEY',
      );
    }
    const ok = await api('POST', '/analytics/metrics', {
      headers: service,
      json: { name: 'm', value: 1, unit: 'ms', labels: { route: '/x' }, cost_usd: 0.1 },
    });
    expect(ok.status, ok.text).toBe(202);
    expect(ok.body).toEqual({ accepted: 1 });
  });

  it('refuses secret-looking labels, bad names and values', async () => {
    for (const json of [
      { name: 'm', value: 1, labels: { api_key: 'k' } },
      { name: 'm', value: 1, labels: { model: 'x'.repeat(129) } },
      { name: 'bad name', value: 1 },
      { name: 'm', value: 'one' },
      { name: 'm', value: 1, cost_usd: -1 },
    ]) {
      expectError(
        await api('POST', '/analytics/metrics', { headers: service, json }),
        422,
        'VALIDATION_ERROR',
      );
    }
  });

  it('takes up to 1000 in a batch; 1001 is 413 and an empty batch 422', async () => {
    // Labelled points, as a real caller sends them: 1000 of them are well over MAX_BODY_BYTES.
    const batch = (n: number) => ({
      metrics: Array.from({ length: n }, (_, i) => ({
        name: 'llm_tokens',
        value: i,
        unit: 'tokens',
        cost_usd: 0.0001,
        labels: { model: 'small-model-2026', region: 'eu-west', route: '/v1/chat/completions' },
      })),
    });
    expect(JSON.stringify(batch(1000)).length).toBeGreaterThan(Number(env.MAX_BODY_BYTES ?? 65536));
    const full = await api('POST', '/analytics/metrics/batch', {
      headers: service,
      json: batch(1000),
    });
    expect(full.status, full.text).toBe(202);
    expect(full.body).toEqual({ accepted: 1000 });
    expectError(
      await api('POST', '/analytics/metrics/batch', { headers: service, json: batch(1001) }),
      413,
      'BATCH_TOO_LARGE',
    );
    expectError(
      await api('POST', '/analytics/metrics/batch', { headers: service, json: batch(0) }),
      422,
      'VALIDATION_ERROR',
    );
  });
});

describe('the analytics reads', () => {
  it('are for admins and services; a user reads only their own usage', async () => {
    const user = await createSignedInUser();
    const other = await createSignedInUser();
    const admin = await createSignedInAdmin();
    for (const path of ['/analytics/metrics?name=m', '/analytics/costs']) {
      expectError(await api('GET', path, { token: user.access_token }), 403, 'FORBIDDEN');
      expectError(await api('GET', path), 401, 'INVALID_TOKEN');
      expect((await api('GET', path, { headers: service })).status).toBe(200);
      expect((await api('GET', path, { token: admin.access_token })).status).toBe(200);
    }
    const usage = (id: string, token: string) => api('GET', `/analytics/usage/${id}`, { token });
    expect((await usage(user.id, user.access_token)).status).toBe(200);
    expect((await usage(user.id, admin.access_token)).status).toBe(200);
    expectError(await usage(other.id, user.access_token), 403, 'FORBIDDEN');
    expectError(
      await api('GET', '/analytics/dashboard', { token: user.access_token }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await api('GET', '/analytics/dashboard', { headers: service }),
      401,
      'INVALID_TOKEN',
    );
  });

  it('answer the documented shapes even with no data', async () => {
    const from = '2020-01-01T00:00:00Z';
    const to = '2020-01-02T00:00:00Z';
    const costs = await api('GET', `/analytics/costs?from=${from}&to=${to}&group_by=day`, {
      headers: service,
    });
    expect(costs.body).toEqual({
      group_by: 'day',
      from: '2020-01-01T00:00:00.000Z',
      to: '2020-01-02T00:00:00.000Z',
      total_usd: 0,
      groups: [],
    });
    const series = await api('GET', `/analytics/metrics?name=none&from=${from}&to=${to}`, {
      headers: service,
    });
    expect(series.body).toEqual({ name: 'none', interval: 'hour', points: [] });
  });

  it('refuse a bad range, interval, grouping or label filter with 422', async () => {
    for (const path of [
      '/analytics/costs?from=2020-01-02T00:00:00Z&to=2020-01-01T00:00:00Z',
      '/analytics/costs?group_by=planet',
      '/analytics/costs?from=yesterday',
      '/analytics/metrics?name=m&interval=week',
      '/analytics/metrics',
      '/analytics/metrics?name=m&label.bad-key=x',
      '/analytics/metrics?name=m&label.password=x',
    ]) {
      expectError(await api('GET', path, { headers: service }), 422, 'VALIDATION_ERROR');
    }
  });
});
