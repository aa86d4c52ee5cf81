import { describe, expect, it } from 'vitest';
import {
  api,
  apiWithEnv,
  createSignedInUser,
  env,
  expectError,
  STRONG_PASSWORD,
  uniqueEmail,
} from './helpers';
import { createSignedInAdmin, grantRoleInDb } from './helpers-admin';
import { createOrg, orgWithRoles } from './helpers-orgs';
import {
  bodyOf,
  createEndpoint,
  newReceiver,
  waitForCalls,
  waitForDeliveries,
} from './helpers-webhooks';
import { PRODUCTION_VARS } from './production-env';

describe('webhook endpoints', () => {
  it('creates an endpoint with a whsec_ secret shown once, and delivers a signed test event', async () => {
    const admin = await createSignedInAdmin();
    const ep = await createEndpoint(admin.access_token, {
      event_types: ['user.created'],
      description: 'billing',
    });
    expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const got = await api('GET', `/webhooks/endpoints/${ep.id}`, { token: admin.access_token });
    expect(got.status, got.text).toBe(200);
    expect(got.body).toMatchObject({
      endpoint_id: ep.id,
      url: ep.url,
      event_types: ['user.created'],
      description: 'billing',
      disabled: false,
      organization_id: null,
    });
    expect(got.text).not.toContain(ep.secret.slice(6));
    expect(got.text).not.toContain('secret');

    const test = await api('POST', `/webhooks/endpoints/${ep.id}/test`, {
      token: admin.access_token,
    });
    expect(test.status, test.text).toBe(202);
    expect(test.body.message_id).toMatch(/^msg_/);
    const calls = await waitForCalls(ep.rid, (c) => c.some((x) => x.id === test.body.message_id));
    const call = calls.find((x) => x.id === test.body.message_id);
    expect(call!.verified).toEqual([0]);
    expect(bodyOf(call!)).toMatchObject({ type: 'webhook.test', data: { endpoint_id: ep.id } });
    const log = await waitForDeliveries(ep.id, admin.access_token, (d) =>
      d.some((x) => x.message_id === test.body.message_id && x.status === 'succeeded'),
    );
    expect(log.find((x) => x.message_id === test.body.message_id)).toMatchObject({
      event_type: 'webhook.test',
      attempts: 1,
      last_status_code: 200,
    });
  });

  it('refuses unknown event types and bad URLs with 422', async () => {
    const admin = await createSignedInAdmin();
    const { url } = newReceiver();
    const unknown = await api('POST', '/webhooks/endpoints', {
      token: admin.access_token,
      json: { url, event_types: ['user.created', 'user.hacked'] },
    });
    expectError(unknown, 422, 'VALIDATION_ERROR');
    for (const bad of [
      'http://169.254.169.254/latest/meta-data',
      'https://10.0.0.8/hook',
      'https://[fd00:ec2::254]/',
      'https://[::ffff:192.168.1.1]/',
      'https://metadata.google.internal/computeMetadata',
      'https://metadata.google.internal./computeMetadata',
      'ftp://hooks.example.com/',
      'https://user:pass@hooks.example.com/',
    ]) {
      const res = await api('POST', '/webhooks/endpoints', {
        token: admin.access_token,
        json: { url: bad, event_types: ['user.created'] },
      });
      expectError(res, 422, 'INVALID_WEBHOOK_URL');
    }
  });

  it('refuses http, loopback and localhost outside development, when saved', async () => {
    // An admin of a production deployment: its tokens carry that deployment's issuer.
    const email = uniqueEmail('prod-admin');
    const registered = await apiWithEnv(PRODUCTION_VARS, 'POST', '/auth/register', {
      json: { email, password: STRONG_PASSWORD },
    });
    expect(registered.status, registered.text).toBe(201);
    await grantRoleInDb(registered.body.user_id, 'admin');
    const login = await apiWithEnv(PRODUCTION_VARS, 'POST', '/auth/login', {
      json: { email, password: STRONG_PASSWORD },
    });
    expect(login.status, login.text).toBe(200);
    const admin = login.body as { access_token: string };
    for (const bad of [
      'http://hooks.example.com/',
      'https://127.0.0.1/',
      'https://2130706433/',
      'https://0x7f.1/',
      'https://[::1]/',
      'https://localhost/',
      'https://api.localhost/',
      'https://localhost./',
      'https://intranet/',
    ]) {
      const res = await apiWithEnv(PRODUCTION_VARS, 'POST', '/webhooks/endpoints', {
        token: admin.access_token,
        json: { url: bad, event_types: ['user.created'] },
      });
      expectError(res, 422, 'INVALID_WEBHOOK_URL');
    }
    const ok = await apiWithEnv(PRODUCTION_VARS, 'POST', '/webhooks/endpoints', {
      token: admin.access_token,
      json: { url: 'https://hooks.example.com/edge-auth', event_types: ['user.created'] },
    });
    expect(ok.status, ok.text).toBe(201);
  });

  it('checks the URL again at delivery: a URL the rule refuses is never called', async () => {
    const admin = await createSignedInAdmin();
    const ep = await createEndpoint(admin.access_token, { event_types: ['invitation.revoked'] });
    // Test-side arrangement: a URL stored before the rule refused it (an older version).
    await env.DB.prepare('UPDATE webhook_endpoints SET url = ? WHERE id = ?')
      .bind('https://169.254.169.254/latest/meta-data', ep.id)
      .run();
    const sent = await api('POST', `/webhooks/endpoints/${ep.id}/test`, {
      token: admin.access_token,
    });
    const log = await waitForDeliveries(ep.id, admin.access_token, (d) =>
      d.some((x) => x.message_id === sent.body.message_id && x.status === 'dead'),
    );
    expect(log.find((x) => x.message_id === sent.body.message_id)).toMatchObject({
      last_status_code: null,
      last_error: expect.stringContaining('URL refused'),
    });
  });

  it("lets only admins manage the deployment's endpoints", async () => {
    const [admin, user] = await Promise.all([createSignedInAdmin(), createSignedInUser()]);
    const ep = await createEndpoint(admin.access_token, { event_types: ['user.created'] });
    const { url } = newReceiver();
    const create = await api('POST', '/webhooks/endpoints', {
      token: user.access_token,
      json: { url, event_types: ['user.created'] },
    });
    expectError(create, 403, 'FORBIDDEN');
    expectError(
      await api('GET', '/webhooks/endpoints', { token: user.access_token }),
      403,
      'FORBIDDEN',
    );
    for (const [method, path] of [
      ['GET', `/webhooks/endpoints/${ep.id}`],
      ['DELETE', `/webhooks/endpoints/${ep.id}`],
      ['POST', `/webhooks/endpoints/${ep.id}/rotate-secret`],
      ['POST', `/webhooks/endpoints/${ep.id}/test`],
      ['GET', `/webhooks/endpoints/${ep.id}/deliveries`],
    ] as const) {
      expectError(await api(method, path, { token: user.access_token }), 404, 'NOT_FOUND');
    }
    expectError(await api('GET', '/webhooks/endpoints'), 401, 'INVALID_TOKEN');
  });

  it("lets an organization's admins manage its endpoints, and no one else", async () => {
    const { org, admin, member } = await orgWithRoles();
    const outsider = await createSignedInUser();
    const otherOrg = await createOrg(outsider);
    const ep = await createEndpoint(admin.access_token, {
      event_types: ['member.added'],
      organization_id: org.id,
    });
    const list = await api('GET', `/webhooks/endpoints?organization_id=${org.id}`, {
      token: admin.access_token,
    });
    expect(list.status, list.text).toBe(200);
    expect(list.body.items.map((e: { endpoint_id: string }) => e.endpoint_id)).toEqual([ep.id]);
    const { url } = newReceiver();
    expectError(
      await api('POST', '/webhooks/endpoints', {
        token: member.access_token,
        json: { url, event_types: ['member.added'], organization_id: org.id },
      }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await api('GET', `/webhooks/endpoints/${ep.id}`, { token: member.access_token }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await api('GET', `/webhooks/endpoints?organization_id=${org.id}`, {
        token: outsider.access_token,
      }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await api('PATCH', `/webhooks/endpoints/${ep.id}`, {
        token: outsider.access_token,
        json: { url: 'https://attacker.example.com/' },
      }),
      404,
      'NOT_FOUND',
    );
    // The outsider's own organization does not reach another's endpoint either.
    const theirs = await api('GET', `/webhooks/endpoints?organization_id=${otherOrg.id}`, {
      token: outsider.access_token,
    });
    expect(theirs.body.items).toEqual([]);
  });

  it('changes and deletes an endpoint', async () => {
    const admin = await createSignedInAdmin();
    const ep = await createEndpoint(admin.access_token, { event_types: ['user.created'] });
    const patched = await api('PATCH', `/webhooks/endpoints/${ep.id}`, {
      token: admin.access_token,
      json: { event_types: ['user.deleted', 'user.locked'], disabled: true },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({
      event_types: ['user.deleted', 'user.locked'],
      disabled: true,
      url: ep.url,
    });
    expectError(
      await api('PATCH', `/webhooks/endpoints/${ep.id}`, {
        token: admin.access_token,
        json: { url: 'https://192.168.0.1/' },
      }),
      422,
      'INVALID_WEBHOOK_URL',
    );
    const del = await api('DELETE', `/webhooks/endpoints/${ep.id}`, { token: admin.access_token });
    expect(del.status, del.text).toBe(204);
    expectError(
      await api('GET', `/webhooks/endpoints/${ep.id}`, { token: admin.access_token }),
      404,
      'NOT_FOUND',
    );
  });
});
