import { describe, expect, it } from 'vitest';
import { api, apiWithEnv, createUser, expectError, uniqueEmail } from './helpers';
import {
  outbox,
  RESET_SUBJECT,
  settled,
  VERIFY_SUBJECT,
  waitForMail,
  type OutboxMessage,
} from './helpers-mail';
import { PRODUCTION_VARS as PRODUCTION } from './production-env';

describe('GET /dev/outbox in development', () => {
  it("lists an address's messages newest first, with their fields", async () => {
    const user = await createUser();
    await waitForMail(user.email, VERIFY_SUBJECT);
    await settled('POST', '/auth/forgot-password', { json: { email: user.email } });
    await settled('POST', '/auth/forgot-password', { json: { email: user.email } });

    const res = await api<{ items: OutboxMessage[] }>(
      'GET',
      `/dev/outbox?to=${encodeURIComponent(user.email)}`,
    );
    expect(res.status, res.text).toBe(200);
    const items = res.body.items;
    expect(items.map((m) => m.subject)).toEqual([RESET_SUBJECT, RESET_SUBJECT, VERIFY_SUBJECT]);
    const times = items.map((m) => Date.parse(m.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    for (const m of items) {
      expect(m).toMatchObject({
        id: expect.any(String),
        channel: 'email',
        to: user.email,
        body: expect.stringContaining('token='),
      });
    }
    expect(new Set(items.map((m) => m.id)).size).toBe(3);
  });

  it('filters by `to`: another address sees none of these messages', async () => {
    const alice = await createUser();
    const bob = await createUser();
    await waitForMail(alice.email, VERIFY_SUBJECT);
    await waitForMail(bob.email, VERIFY_SUBJECT);
    const forAlice = await outbox(alice.email);
    expect(forAlice).toHaveLength(1);
    expect(forAlice.every((m) => m.to === alice.email)).toBe(true);
    expect(await outbox(uniqueEmail('nobody'))).toEqual([]);
  });

  it('matches the address in its canonical form (case and spaces do not matter)', async () => {
    const user = await createUser();
    await waitForMail(user.email, VERIFY_SUBJECT);
    const res = await api('GET', `/dev/outbox?to=${encodeURIComponent(user.email.toUpperCase())}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.items).toHaveLength(1);
  });

  it('honours ?limit=', async () => {
    const user = await createUser();
    await waitForMail(user.email, VERIFY_SUBJECT);
    await settled('POST', '/auth/forgot-password', { json: { email: user.email } });
    const res = await api('GET', `/dev/outbox?to=${encodeURIComponent(user.email)}&limit=1`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0].subject).toBe(RESET_SUBJECT);
  });

  it('answers 422 without `to`', async () => {
    const res = await api('GET', '/dev/outbox');
    expectError(res, 422, 'VALIDATION_ERROR');
  });
});

describe('GET /dev/outbox outside development', () => {
  it('answers 404 NOT_FOUND in production, exactly like an unknown route', async () => {
    const user = await createUser();
    await waitForMail(user.email, VERIFY_SUBJECT);
    const res = await apiWithEnv(
      PRODUCTION,
      'GET',
      `/dev/outbox?to=${encodeURIComponent(user.email)}`,
    );
    const body = expectError(res, 404, 'NOT_FOUND');
    expect(res.text).not.toContain(user.email);
    expect(res.text).not.toContain('token');
    expect(body.errors).toBeUndefined();

    const unknown = await apiWithEnv(PRODUCTION, 'GET', '/dev/nothing-here');
    expectError(unknown, 404, 'NOT_FOUND');
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(unknown.body).sort());
  });

  it('answers 404 in staging as well', async () => {
    const res = await apiWithEnv(
      { ...PRODUCTION, ENVIRONMENT: 'staging' },
      'GET',
      `/dev/outbox?to=${encodeURIComponent(uniqueEmail())}`,
    );
    expectError(res, 404, 'NOT_FOUND');
  });

  it('answers 404 in production even without a valid ?to= (the route does not exist there)', async () => {
    // The environment check runs before the query validator, so production never reveals
    // that the development route is deployed.
    expectError(await apiWithEnv(PRODUCTION, 'GET', '/dev/outbox'), 404, 'NOT_FOUND');
    expectError(await apiWithEnv(PRODUCTION, 'GET', '/dev/outbox?to=x'), 404, 'NOT_FOUND');
  });
});
