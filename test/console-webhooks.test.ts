import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, env } from './helpers';
import { createSignedInAdmin, grantRoleInDb } from './helpers-admin';
import { ConsoleBrowser } from './helpers-console';
import { createOrg } from './helpers-orgs';
import { callsOf, createEndpoint, waitForCalls, waitForDeliveries } from './helpers-webhooks';

// The console's webhook pages and their changes (form posts), as an attacker would try them:
// without the CSRF token, with another session's, from another origin or none, by a non-admin,
// by an admin who may only read; then as the console sends them, with their effect and audit.

type Admin = Awaited<ReturnType<typeof createSignedInAdmin>>;
type Endpoint = Awaited<ReturnType<typeof createEndpoint>> & {
  deliveryId: string;
  messageId: string;
};

/** An endpoint with one delivered test event (its delivery id, to replay). */
async function endpointWithDelivery(admin: Admin): Promise<Endpoint> {
  // Subscribed to an event these tests never cause: its log holds the test event alone.
  const ep = await createEndpoint(admin.access_token, { event_types: ['invitation.revoked'] });
  const sent = await api('POST', `/webhooks/endpoints/${ep.id}/test`, {
    token: admin.access_token,
  });
  expect(sent.status, sent.text).toBe(202);
  const messageId = sent.body.message_id as string;
  const items = await waitForDeliveries(ep.id, admin.access_token, (all) =>
    all.some((x) => x.message_id === messageId && x.status === 'succeeded'),
  );
  const d = items.find((x) => x.message_id === messageId)!;
  return { ...ep, deliveryId: d.delivery_id, messageId };
}

const disabledInDb = async (id: string) =>
  (
    await env.DB.prepare('SELECT disabled FROM webhook_endpoints WHERE id = ?')
      .bind(id)
      .first<{ disabled: number }>()
  )?.disabled;

const testDeliveries = async (id: string) =>
  (
    await env.DB.prepare(
      "SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? AND event_type = 'webhook.test'",
    )
      .bind(id)
      .first<{ n: number }>()
  )?.n ?? 0;

interface Action {
  name: string;
  path: (e: Endpoint) => string;
  /** Prepares the endpoint (e.g. disabled, to enable it). */
  before?: (e: Endpoint) => Promise<void>;
  /** The change happened (true) or not (false). */
  done: (e: Endpoint) => Promise<boolean>;
  audit: { action: string; detail: string };
}

const ACTIONS: Action[] = [
  {
    name: 'send a test event',
    path: (e) => `/console/webhooks/${e.id}/test`,
    done: async (e) => (await testDeliveries(e.id)) > 1,
    audit: { action: 'webhook_sent', detail: 'test' },
  },
  {
    name: 'replay a delivery',
    path: (e) => `/console/webhooks/${e.id}/deliveries/${e.deliveryId}/replay`,
    done: async (e) => {
      // Deliveries run through the real queue: give a replay the time to arrive.
      await new Promise((r) => setTimeout(r, 500));
      return (await callsOf(e.rid)).filter((c) => c.id === e.messageId).length > 1;
    },
    audit: { action: 'webhook_sent', detail: 'replay' },
  },
  {
    name: 'disable',
    path: (e) => `/console/webhooks/${e.id}/disable`,
    done: async (e) => (await disabledInDb(e.id)) === 1,
    audit: { action: 'webhook_changed', detail: 'disabled' },
  },
  {
    name: 'enable',
    path: (e) => `/console/webhooks/${e.id}/enable`,
    before: async (e) => {
      await env.DB.prepare('UPDATE webhook_endpoints SET disabled = 1 WHERE id = ?')
        .bind(e.id)
        .run();
    },
    done: async (e) => (await disabledInDb(e.id)) === 0,
    audit: { action: 'webhook_changed', detail: 'enabled' },
  },
  {
    name: 'delete',
    path: (e) => `/console/webhooks/${e.id}/delete`,
    done: async (e) => (await disabledInDb(e.id)) === undefined,
    audit: { action: 'webhook_changed', detail: 'deleted' },
  },
];

/** An admin's console browser with its CSRF token, and an endpoint prepared for `action`. */
async function setUp(action: Action) {
  const admin = await createSignedInAdmin();
  const endpoint = await endpointWithDelivery(admin);
  await action.before?.(endpoint);
  const browser = ConsoleBrowser.of(admin);
  const csrf = await browser.csrf(`/console/webhooks/${endpoint.id}`);
  return { admin, endpoint, browser, csrf };
}

const auditsOf = async (actorId: string) => {
  const { results } = await env.DB.prepare(
    `SELECT action, user_id, json_extract(metadata, '$.endpoint_id') AS endpoint_id,
       coalesce(json_extract(metadata, '$.change'), json_extract(metadata, '$.kind')) AS detail
     FROM audit_events WHERE actor_id = ? AND action LIKE 'webhook_%'`,
  )
    .bind(actorId)
    .all();
  return results;
};

describe.each(ACTIONS)('POST console webhooks: $name', (action) => {
  it('is refused without the CSRF token, with another session’s, and from another or no origin (403), changing nothing', async () => {
    const { endpoint, browser, csrf } = await setUp(action);
    const other = ConsoleBrowser.of(await createSignedInAdmin());
    const otherCsrf = await other.csrf(`/console/webhooks/${endpoint.id}`);
    const path = action.path(endpoint);
    const tries = [
      await browser.post(path, {}),
      await browser.post(path, { csrf: 'x'.repeat(43) }),
      await browser.post(path, { csrf: otherCsrf }),
      await browser.post(path, { csrf }, { Origin: 'https://evil.example' }),
      await browser.post(path, { csrf }, { Origin: '' }),
      await browser.post(path, { csrf }, { 'Sec-Fetch-Site': 'cross-site' }),
    ];
    for (const res of tries) {
      expect(res.status, res.text).toBe(403);
      expect(res.headers.get('Content-Type')).toMatch(/text\/html/);
    }
    expect(await action.done(endpoint)).toBe(false);
  });

  it('is refused for a non-admin and for an admin who may only read (403), changing nothing', async () => {
    const { endpoint, csrf } = await setUp(action);
    await env.DB.batch([
      env.DB.prepare(
        "INSERT OR IGNORE INTO roles (name, description, created_at) VALUES ('wh_auditor', '', ?)",
      ).bind(Date.now()),
      env.DB.prepare(
        "INSERT OR IGNORE INTO role_permissions (role, permission) VALUES ('wh_auditor', 'admin_panel:read'), ('wh_auditor', 'users:admin')",
      ),
    ]);
    const auditor = await createSignedInUser();
    await grantRoleInDb(auditor.id, 'wh_auditor');
    const auditorBrowser = ConsoleBrowser.of(auditor);
    // The reader sees the endpoint, without its forms.
    const page = await auditorBrowser.get(`/console/webhooks/${endpoint.id}`);
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain(endpoint.url);
    expect(page.text).not.toContain(`action="${action.path(endpoint)}"`);
    // Its session's token, from a page with a form (the user page: it may manage users).
    const auditorCsrf = await auditorBrowser.csrf(`/console/users/${auditor.id}`);
    const path = action.path(endpoint);
    const byPlain = await ConsoleBrowser.of(await createSignedInUser()).post(path, { csrf });
    expect(byPlain.status, byPlain.text).toBe(403);
    expect(byPlain.text).not.toContain(endpoint.url);
    const byAuditor = await auditorBrowser.post(path, { csrf: auditorCsrf });
    expect(byAuditor.status, byAuditor.text).toBe(403);
    expect(byAuditor.text).toContain('admin_panel:admin');
    expect(await action.done(endpoint)).toBe(false);
  });

  it('is done for an admin with the token, redirects back, and leaves an audit entry naming the admin', async () => {
    const { admin, endpoint, browser, csrf } = await setUp(action);
    const res = await browser.post(action.path(endpoint), { csrf });
    expect(res.status, res.text).toBe(303);
    expect(res.headers.get('Location')).toMatch(/^\/console\/webhooks(\/ep_\w+)?\?done=\w+$/);
    await expect.poll(() => action.done(endpoint), { timeout: 25_000 }).toBe(true);
    await expect
      .poll(() => auditsOf(admin.id), { timeout: 3000 })
      .toContainEqual({
        action: action.audit.action,
        user_id: admin.id,
        endpoint_id: endpoint.id,
        detail: action.audit.detail,
      });
    const back = await browser.get(res.headers.get('Location')!);
    expect(back.status).toBe(200);
    expect(back.text).toContain('role="status"');
  });
});

describe('console webhook pages', () => {
  it('lists the deployment’s and organizations’ endpoints, shows deliveries, and 404s an unknown id', async () => {
    const admin = await createSignedInAdmin();
    const deployment = await endpointWithDelivery(admin);
    const org = await createOrg(admin, { name: `Hooks <b>${Date.now()}</b>` });
    const orgHook = await createEndpoint(admin.access_token, {
      event_types: ['member.added'],
      organization_id: org.id,
    });
    const browser = ConsoleBrowser.of(admin);
    const list = await browser.get('/console/webhooks');
    expect(list.status, list.text).toBe(200);
    expect(list.text).toContain(`href="/console/webhooks/${deployment.id}"`);
    expect(list.text).toContain(`href="/console/webhooks/${orgHook.id}"`);
    expect(list.text).toContain('Deployment');
    expect(list.text).toContain('Hooks &lt;b&gt;');
    const detail = await browser.get(`/console/webhooks/${deployment.id}`);
    expect(detail.text).toContain('webhook.test');
    expect(detail.text).toContain('succeeded');
    expect(detail.text).toContain(`/deliveries/${deployment.deliveryId}/replay`);
    // The organization's page lists its endpoints, not the deployment's.
    const orgPage = await browser.get(`/console/organizations/${org.id}`);
    expect(orgPage.text).toContain(`href="/console/webhooks/${orgHook.id}"`);
    expect(orgPage.text).not.toContain(`href="/console/webhooks/${deployment.id}"`);
    const unknown = await browser.get('/console/webhooks/ep_nope');
    expect(unknown.status).toBe(404);
    // A replay of a delivery that does not exist is the console's 404 page.
    const csrf = await browser.csrf(`/console/webhooks/${deployment.id}`);
    const gone = await browser.post(`/console/webhooks/${deployment.id}/deliveries/dlv_x/replay`, {
      csrf,
    });
    expect(gone.status).toBe(404);
    // A delivery under another endpoint's address is not replayed either.
    const wrong = await browser.post(
      `/console/webhooks/${orgHook.id}/deliveries/${deployment.deliveryId}/replay`,
      { csrf },
    );
    expect(wrong.status).toBe(404);
    const calls = await waitForCalls(deployment.rid, (c) => c.length >= 1);
    expect(calls.filter((c) => c.id === deployment.messageId)).toHaveLength(1);
  });

  it('refuses a signed-out visitor (sign-in page) and a non-admin (403, no data)', async () => {
    const admin = await createSignedInAdmin();
    const ep = await createEndpoint(admin.access_token, { event_types: ['user.created'] });
    const out = await api('GET', `/console/webhooks/${ep.id}`, { redirect: 'manual' });
    expect(out.status).toBe(302);
    expect(out.headers.get('Location')).toMatch(/^\/login\?return_to=/);
    const plain = ConsoleBrowser.of(await createSignedInUser());
    for (const path of ['/console/webhooks', `/console/webhooks/${ep.id}`]) {
      const res = await plain.get(path);
      expect(res.status).toBe(403);
      expect(res.text).not.toContain(ep.url);
    }
  });
});
