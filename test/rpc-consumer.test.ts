import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, env } from './helpers';
import { orgWithRoles } from './helpers-orgs';

// examples/consumer is a second Worker in this test run (vitest.config.ts), bound to the
// AuthService entrypoint by a service binding, as a sibling Worker in production would be.
const consumer = (path: string, token?: string, binding = env.CONSUMER) =>
  binding.fetch(`https://consumer.test${path}`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });

const body = async (res: Response) => ({ status: res.status, json: await res.json<any>() });

describe('a sibling Worker over the service binding (examples/consumer)', () => {
  it('verify: a live token passes; a revoked or garbage one is refused with its reason', async () => {
    const user = await createSignedInUser();
    expect(await body(await consumer('/me', user.access_token))).toEqual({
      status: 200,
      json: { user_id: user.id, roles: ['user'] },
    });
    expect(await body(await consumer('/me', 'garbage'))).toEqual({
      status: 401,
      json: { error: 'invalid' },
    });
    expect(await body(await consumer('/me'))).toEqual({ status: 401, json: { error: 'invalid' } });
    await api('POST', '/auth/logout', { token: user.access_token });
    expect(await body(await consumer('/me', user.access_token))).toEqual({
      status: 401,
      json: { error: 'revoked' },
    });
  });

  it('authorize and getPermissions: org roles decide, refusals carry a reason code', async () => {
    const { org, viewer } = await orgWithRoles();
    const outsider = await createSignedInUser();
    expect((await consumer(`/orgs/${org.id}/dashboards`, viewer.access_token)).status).toBe(200);
    expect(await body(await consumer(`/orgs/${org.id}/dashboards`, outsider.access_token))).toEqual(
      { status: 403, json: { error: 'not_member' } },
    );
    const permissions = await body(await consumer('/permissions', viewer.access_token));
    expect(permissions.status).toBe(200);
    expect(permissions.json.organizations).toEqual([
      expect.objectContaining({ organization_id: org.id, role: 'viewer' }),
    ]);
  });

  it('reaches the HTTP API through the same binding (fetch on the entrypoint)', async () => {
    expect(await body(await consumer('/auth-health'))).toEqual({
      status: 200,
      json: { auth: 'ok' },
    });
  });

  it('fails closed when the auth service cannot answer: 503, never through', async () => {
    const user = await createSignedInUser();
    const down = (path: string) => consumer(path, user.access_token, env.CONSUMER_AUTH_DOWN);
    expect(await body(await down('/me'))).toEqual({
      status: 503,
      json: { error: 'auth_unavailable' },
    });
    expect((await down('/permissions')).status).toBe(503);
    expect(await body(await down('/auth-health'))).toEqual({
      status: 200,
      json: { auth: 'degraded' },
    });
    // What it logged while refusing, kept by the test build instead of printed.
    const logged = await (await env.AUTH_DOWN.fetch('http://down/__test/logs')).json<string[]>();
    const lines = logged.map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'invalid configuration' }),
    );
    expect(lines.filter((l) => l.msg === 'health probe failed').length).toBeGreaterThan(0);
  });
});
