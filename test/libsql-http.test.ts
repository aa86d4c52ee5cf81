import { describe, expect, it } from 'vitest';
import { FAKE_LIBSQL_ENV } from './fake-libsql-env';
import { apiWithEnv, env, expectError, STRONG_PASSWORD, uniqueEmail } from './helpers';
import { serviceHeaders } from './helpers-admin';

// The worker with LIBSQL_URL set, end to end: @libsql/client/http inside workerd speaks to
// a libSQL server (test/fake-libsql.ts: the Hrana pipeline over the real libSQL engine), through
// the same drizzle schema and query layer as on D1. The Durable Objects are the usual ones.

const onLibsql = (method: string, path: string, options?: Parameters<typeof apiWithEnv>[3]) =>
  apiWithEnv(FAKE_LIBSQL_ENV, method, path, options);

describe('the worker on libSQL (LIBSQL_URL)', () => {
  it('reports libSQL as the database, healthy and migrated', async () => {
    const health = await onLibsql('GET', '/health');
    expect(health.status, health.text).toBe(200);
    expect(health.body).toMatchObject({ database: 'libsql', components: { database: 'ok' } });
    const ready = await onLibsql('GET', '/health/ready');
    expect(ready.status, ready.text).toBe(200);
    expect(ready.body).toEqual({ ready: true, missing_tables: [], pending_migrations: [] });
  });

  it('registers, refuses the same email, signs in, reads the profile and refreshes', async () => {
    const username = `libsql_${crypto.randomUUID().slice(0, 8)}`;
    const user = { email: uniqueEmail('libsql'), password: STRONG_PASSWORD };
    const registered = await onLibsql('POST', '/auth/register', { json: { ...user, username } });
    expect(registered.status, registered.text).toBe(201);
    expectError(await onLibsql('POST', '/auth/register', { json: user }), 409, 'USER_EXISTS');
    // No pre-check for usernames: the batch hit the unique index over HTTP, was mapped like
    // D1's violation, and rolled back (the email is still free).
    const other = { email: uniqueEmail('libsql'), password: STRONG_PASSWORD, username };
    expectError(await onLibsql('POST', '/auth/register', { json: other }), 409, 'CONFLICT');
    const retry = await onLibsql('POST', '/auth/register', {
      json: { ...other, username: undefined },
    });
    expect(retry.status, retry.text).toBe(201);

    const login = await onLibsql('POST', '/auth/login', { json: user });
    expect(login.status, login.text).toBe(200);
    const headers = { Authorization: `Bearer ${login.body.access_token}` };
    const me = await onLibsql('GET', '/auth/me', { headers });
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({ user_id: registered.body.user_id, email: user.email });
    const refreshed = await onLibsql('POST', '/auth/refresh', {
      json: { refresh_token: login.body.refresh_token },
    });
    expect(refreshed.status, refreshed.text).toBe(200);

    // The account lives in libSQL only: the D1 binding never saw it.
    const inD1 = await env.DB.prepare('SELECT id FROM users WHERE email = ?')
      .bind(user.email)
      .first();
    expect(inD1).toBeNull();
  });

  it('fails closed when libSQL refuses the token: 503 from health, validate and authorize', async () => {
    const user = { email: uniqueEmail('libsql'), password: STRONG_PASSWORD };
    const registered = await onLibsql('POST', '/auth/register', { json: user });
    expect(registered.status, registered.text).toBe(201);
    const login = await onLibsql('POST', '/auth/login', { json: user });
    expect(login.status, login.text).toBe(200);

    const wrong = { ...FAKE_LIBSQL_ENV, LIBSQL_AUTH_TOKEN: 'not-the-token' };
    const health = await apiWithEnv(wrong, 'GET', '/health');
    expect(health.status, health.text).toBe(503);
    expect(health.body).toMatchObject({ database: 'libsql', components: { database: 'error' } });
    const validate = await apiWithEnv(wrong, 'POST', '/auth/validate', {
      headers: serviceHeaders(),
      json: { token: login.body.access_token },
    });
    expectError(validate, 503, 'DEPENDENCY_UNAVAILABLE');
    expect(validate.body.valid).toBeUndefined();
    const authorize = await apiWithEnv(wrong, 'POST', '/auth/authorize', {
      headers: serviceHeaders(),
      json: { user_id: registered.body.user_id, resource: 'dashboards', action: 'read' },
    });
    expectError(authorize, 503, 'DEPENDENCY_UNAVAILABLE');
    expect(authorize.body.allowed).toBeUndefined();
  });
});
