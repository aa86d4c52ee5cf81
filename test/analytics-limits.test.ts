import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { api, apiWithEnv, createSignedInUser, expectError } from './helpers';
import { serviceHeaders } from './helpers-admin';
import { pollUntil, uniqueName } from './helpers-analytics';

// Security review M3 (one user, 200 made-up event types, 200 permanent /metrics series) and
// api.md's POST /auth/users/{user_id}/activity, end to end through the real queue.

/** The platform_analytics_events_total samples by their type label. */
async function eventSeries(): Promise<Record<string, number>> {
  const res = await api('GET', '/metrics', { headers: serviceHeaders('scraper') });
  expect(res.status, res.text).toBe(200);
  const family = parsePrometheusTextFormat(res.text).find(
    (f) => f.name === 'platform_analytics_events_total',
  );
  return Object.fromEntries(
    (family?.metrics ?? []).map((m: any) => [m.labels.type as string, Number(m.value)]),
  );
}

describe('bounded analytics ingest', () => {
  it('200 distinct event types from one user do not make 200 /metrics series', async () => {
    const user = await createSignedInUser();
    const before = await eventSeries();
    const prefix = uniqueName('made_up');
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      const res = await api('POST', '/analytics/events', {
        token: user.access_token,
        json: { event_type: `${prefix}_${i}` },
      });
      statuses.push(res.status);
    }
    const count = (s: number) => statuses.filter((x) => x === s).length;
    // 50 new types a day (ANALYTICS_CUSTOM_TYPES_PER_DAY), then 422 until the 120 events a
    // minute (RATE_LIMIT_ANALYTICS) are spent, then 429.
    expect(count(202)).toBe(50);
    expect(count(422)).toBe(70);
    expect(count(429)).toBe(80);
    expect(statuses.slice(0, 50).every((s) => s === 202)).toBe(true);

    await pollUntil(
      `/analytics/usage/${user.id}`,
      (b: any) => Object.keys(b.events_by_type).filter((t) => t.startsWith(prefix)).length === 50,
      { token: user.access_token },
    );
    const after = await eventSeries();
    expect(Object.keys(after).filter((t) => t.startsWith(prefix))).toEqual([]);
    const added = Object.keys(after).filter((t) => !(t in before));
    expect(added.filter((t) => t !== 'custom').length).toBeLessThanOrEqual(2);
    expect(after.custom! - (before.custom ?? 0)).toBeGreaterThanOrEqual(50);
  });

  it('a type already sent today still passes once the day’s quota is spent', async () => {
    const user = await createSignedInUser();
    const env = { ANALYTICS_CUSTOM_TYPES_PER_DAY: '2' };
    const send = (event_type: string) =>
      apiWithEnv(env, 'POST', '/analytics/events', {
        token: user.access_token,
        json: { event_type },
      });
    const [a, b, c] = ['a', 'b', 'c'].map((t) => uniqueName(t));
    expect((await send(a!)).status).toBe(202);
    expect((await send(b!)).status).toBe(202);
    const refused = expectError(await send(c!), 422, 'VALIDATION_ERROR');
    expect(refused.errors[0]).toMatchObject({ field: 'event_type' });
    expect((await send(a!)).status).toBe(202);
  });

  it('limits events per service too: 429 with Retry-After past RATE_LIMIT_ANALYTICS', async () => {
    const env = { RATE_LIMIT_ANALYTICS: '3/60' };
    const type = uniqueName('svc');
    const send = () =>
      apiWithEnv(env, 'POST', '/analytics/events', {
        headers: serviceHeaders('writer'),
        json: { event_type: type },
      });
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(202);
    const limited = await send();
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
  });

  it('limits a service binding too: track() answers rate_limited past the limit', async () => {
    const type = uniqueName('rpc');
    let accepted = 0;
    let refused: any;
    for (let i = 0; i < 130 && !refused; i++) {
      const answer: any = await exports.AuthService.track({ event_type: type });
      if (answer.accepted === 1) accepted++;
      else refused = answer;
    }
    expect(refused).toMatchObject({ accepted: 0, reason: 'rate_limited' });
    expect(refused.retry_after).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(120);
  });

  it('refuses a custom event named like the service’s own activity type (422)', async () => {
    const user = await createSignedInUser();
    const res = await api('POST', '/analytics/events', {
      token: user.access_token,
      json: { event_type: 'activity' },
    });
    expectError(res, 422, 'VALIDATION_ERROR');
  });
});

describe('POST /auth/users/{user_id}/activity', () => {
  it('goes through the queue into the user’s activity and usage (202)', async () => {
    const user = await createSignedInUser();
    const res = await api('POST', `/auth/users/${user.id}/activity`, {
      headers: serviceHeaders('writer'),
      json: { action: 'exported', resource: 'report:q3', metadata: { format: 'csv', rows: 12 } },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({ accepted: 1, event_id: expect.any(String) });

    const page = await pollUntil(
      `/users/${user.id}/activity`,
      (b: any) => b.items.some((e: any) => e.action === 'service_activity'),
      { token: user.access_token },
    );
    expect(page.items.find((e: any) => e.action === 'service_activity')).toMatchObject({
      id: res.body.event_id,
      actor_id: null,
      metadata: {
        service: 'writer',
        action: 'exported',
        resource: 'report:q3',
        details: { format: 'csv', rows: 12 },
      },
    });
    const usage = await pollUntil(
      `/analytics/usage/${user.id}`,
      (b: any) => b.events_by_type.activity === 1,
      { headers: serviceHeaders('reports') },
    );
    expect(usage.events_by_type.activity).toBe(1);
  });

  it('is for services: a user’s bearer token is 401, an unknown user 404, a bad body 422', async () => {
    const user = await createSignedInUser();
    const body = { action: 'exported', resource: 'report' };
    const asUser = await api('POST', `/auth/users/${user.id}/activity`, {
      token: user.access_token,
      json: body,
    });
    expectError(asUser, 401, 'INVALID_API_KEY');
    const unknown = await api('POST', `/auth/users/${crypto.randomUUID()}/activity`, {
      headers: serviceHeaders('writer'),
      json: body,
    });
    expectError(unknown, 404, 'NOT_FOUND');
    const secret = await api('POST', `/auth/users/${user.id}/activity`, {
      headers: serviceHeaders('writer'),
      json: { ...body, metadata: { password: 'x' } },
    });
    expectError(secret, 422, 'VALIDATION_ERROR');
  });
});
