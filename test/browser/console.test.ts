// The admin console in headless Chromium: an admin (made one by the operator's grant, as in
// production) signs in on the hosted page and lands back in the console, opens every page,
// searches a user, revokes a session, suspends and reactivates, resets second factors,
// impersonates (banner shown, password change refused), exports the audit log, sends a test
// event to a webhook endpoint and replays it; a non-admin is refused. axe-core checks each page
// (no serious or critical violation), and a screenshot of each page is written to
// test-artifacts/console/, or to the folder CONSOLE_SCREENSHOTS names (docs/console: the
// committed ones the README shows, refreshed on purpose, never by an ordinary run).
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import axe from 'axe-core';
import { decodeJwt } from 'jose';
import * as OTPAuth from 'otpauth';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminGrantStatements } from '../../scripts/admin-grant.mjs';
import { callWorker, chromiumPath, freePort, startWorker, type Worker } from './servers';

const CHROMIUM = chromiumPath();
const PASSWORD = 'Vermilion-Otter-42';
const SHOTS = process.env.CONSOLE_SCREENSHOTS || 'test-artifacts/console';
const WRANGLER = 'node_modules/.bin/wrangler';

type Json = Record<string, any>;

describe.skipIf(!CHROMIUM)('in Chromium: the admin console', () => {
  let worker: Worker;
  let browser: Browser;
  let context: BrowserContext;
  // A webhook receiver on this machine (development allows a loopback URL): the webhook-ids
  // of the deliveries it got.
  let receiver: Server;
  const received: string[] = [];
  const tag = Date.now().toString(36);
  const adminEmail = `console-admin-${tag}@example.com`;

  const call = (method: string, path: string, body?: Json, token?: string) =>
    callWorker(worker, method, path, body, token);

  /** A user registered, with its email confirmed (from the dev outbox), signed in. */
  async function verifiedUser(email: string) {
    expect((await call('POST', '/auth/register', { email, password: PASSWORD })).status).toBe(201);
    let token: string | undefined;
    for (let i = 0; i < 50 && !token; i++) {
      const outbox = await fetch(`${worker.url}/dev/outbox?to=${encodeURIComponent(email)}`);
      const { items } = await outbox.json<{ items: { body: string }[] }>();
      token = /verify-email\?token=([\w-]+)/.exec(items[0]?.body ?? '')?.[1];
      if (!token) await new Promise((r) => setTimeout(r, 100));
    }
    expect((await call('POST', '/auth/verify-email', { token })).status).toBe(200);
    const login = await call('POST', '/auth/login', { email, password: PASSWORD });
    expect(login.status).toBe(200);
    const accessToken = login.body.access_token as string;
    return { id: String(decodeJwt(accessToken).sub), email, accessToken };
  }

  /** `npm run admin -- grant EMAIL` against the worker's local D1, then the link redeemed. */
  async function grantAdmin(email: string) {
    const { token, statements } = await adminGrantStatements(email);
    const persist = join(dirname(worker.logFile), 'wrangler');
    const run = spawnSync(
      WRANGLER,
      [
        'd1',
        'execute',
        'DB',
        '--local',
        '--persist-to',
        persist,
        '--command',
        statements.join(';\n'),
        '--yes',
      ],
      { encoding: 'utf8', env: { ...process.env, CI: 'true', WRANGLER_LOG: 'error' } },
    );
    expect(run.status, run.stderr).toBe(0);
    // The dev server shares that database file; under load it may drop a connection while the
    // other process writes, so wait until it answers again before going on.
    for (let i = 0; i < 60; i++) {
      const ok = await fetch(`${worker.url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const redeemed = await call('POST', '/auth/reset-password', {
      token,
      new_password: PASSWORD,
    }).catch(() => null);
    // A dropped connection may have come after the redemption: the password then signs in.
    if (redeemed) expect(redeemed.status).toBe(200);
    else
      expect((await call('POST', '/auth/login', { email, password: PASSWORD })).status).toBe(200);
  }

  /** axe-core in the page (evaluated over DevTools, so the page's CSP stays as it is). */
  async function checkA11y(page: Page, name: string) {
    await page.evaluate(axe.source);
    const result = (await page.evaluate(() =>
      (globalThis as unknown as { axe: { run(): Promise<unknown> } }).axe.run(),
    )) as { violations: { id: string; impact: string | null; nodes: unknown[] }[] };
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      bad.map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`),
      name,
    ).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  }

  beforeAll(async () => {
    const appPort = await freePort();
    worker = await startWorker(`http://localhost:${appPort}`, {});
    browser = await chromium.launch({
      executablePath: CHROMIUM!,
      args: ['--no-sandbox', '--host-resolver-rules=MAP localhost 127.0.0.1'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    mkdirSync(SHOTS, { recursive: true });
    receiver = createServer((req, res) => {
      received.push(String(req.headers['webhook-id']));
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  }, 120_000);

  afterAll(async () => {
    receiver?.close();
    await browser?.close();
    await worker?.stop();
  });

  it('an admin signs in through the hosted page and works through every console page', async () => {
    await grantAdmin(adminEmail);
    // The user the admin looks after: a session, a TOTP factor, an organization with an invite.
    const target = await verifiedUser(`console-user-${tag}@example.com`);
    const bearer = target.accessToken;
    const setup = await call('POST', '/mfa/setup', { type: 'totp' }, bearer);
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(setup.body.secret) });
    const code = totp.generate({ timestamp: Date.now() - 30_000 });
    expect(
      (await call('POST', '/mfa/verify', { method_id: setup.body.method_id, code }, bearer)).status,
    ).toBe(200);
    const org = await call(
      'POST',
      '/organizations',
      { name: 'Acme Analytics', slug: `acme-${tag}` },
      bearer,
    );
    expect(org.status).toBe(201);
    await call(
      'POST',
      `/organizations/${org.body.id}/users`,
      { email: `invitee-${tag}@example.com`, role: 'member' },
      bearer,
    );
    await call('POST', '/auth/login', { email: target.email, password: 'Wrong-Password-1' });

    const page = await context.newPage();
    // Signed out: the console sends the browser to the hosted sign-in page and back.
    await page.goto(`${worker.url}/console`);
    await page.waitForURL(/\/login\?return_to=/);
    await page.getByLabel('Email').fill(adminEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${worker.url}/console`);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await page.locator('svg[role=img]').count()).toBeGreaterThanOrEqual(2);
    await checkA11y(page, 'overview');

    // Users: search, then the user's page.
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Email contains').fill(`console-user-${tag}`);
    await page.getByRole('button', { name: 'Search' }).click();
    await checkA11y(page, 'users');
    await page.getByRole('link', { name: target.email }).click();
    await page.getByRole('heading', { name: target.email }).waitFor();
    await checkA11y(page, 'user');

    // Revoke the target's session: its access token stops working at once.
    await page.getByRole('button', { name: 'Revoke' }).first().click();
    await page.getByText('The session was ended.').waitFor();
    expect(
      (await fetch(`${worker.url}/auth/verify`, { headers: { Authorization: `Bearer ${bearer}` } }))
        .status,
    ).toBe(401);

    // Suspend and reactivate.
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.getByText('The account is suspended').waitFor();
    expect(
      (await call('POST', '/auth/login', { email: target.email, password: PASSWORD })).status,
    ).toBe(403);
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await page.getByText('The account is active again.').waitFor();

    // Reset the second factors: the password alone signs in again.
    await page.getByRole('button', { name: 'Reset second factors' }).click();
    await page.getByText('Second factors were reset').waitFor();
    const after = await call('POST', '/auth/login', { email: target.email, password: PASSWORD });
    expect(after.body.mfa_required).toBeUndefined();
    expect(after.body.access_token).toEqual(expect.any(String));

    // Organizations and the audit log.
    await page.getByRole('link', { name: 'Organizations' }).click();
    await checkA11y(page, 'organizations');
    await page.getByRole('link', { name: 'Acme Analytics' }).click();
    await page.getByText(`invitee-${tag}@example.com`).waitFor();
    await checkA11y(page, 'organization');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action').selectOption('suspended');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page
      .locator('td', { hasText: /^suspended$/ })
      .first()
      .waitFor();
    await checkA11y(page, 'audit');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^id,created_at,action,user_id,actor_id/);
    expect(csv).toContain(',suspended,');

    // Webhooks: an endpoint (made through the API), a test event sent from its page, replayed.
    const adminLogin = await call('POST', '/auth/login', { email: adminEmail, password: PASSWORD });
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const made = await call(
      'POST',
      '/webhooks/endpoints',
      { url: hookUrl, event_types: ['invitation.revoked'], description: 'billing' },
      adminLogin.body.access_token,
    );
    expect(made.status).toBe(201);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('link', { name: hookUrl }).waitFor();
    await checkA11y(page, 'webhooks');
    await page.getByRole('link', { name: hookUrl }).click();
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText('A webhook.test event is on its way.').waitFor();
    await expect.poll(() => received.length, { timeout: 30_000 }).toBe(1);
    // The delivery's row says so once the page is loaded again.
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator('td', { hasText: /^succeeded$/ }).count();
        },
        { timeout: 30_000 },
      )
      .toBe(1);
    await checkA11y(page, 'webhook');
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByText('The delivery is queued to be sent again.').waitFor();
    await expect.poll(() => received.length, { timeout: 30_000 }).toBe(2);
    expect(received[1]).toBe(received[0]);

    // Impersonate: the account page with the banner; the password cannot be changed.
    await page.goto(`${worker.url}/console/users/${target.id}`);
    await page.getByRole('button', { name: 'Impersonate' }).click();
    await page.waitForURL(`${worker.url}/account`);
    const banner = page.getByRole('region', { name: 'Impersonation' });
    await banner.waitFor();
    await checkA11y(page, 'impersonation');
    // The browser's cookie session (the page's CSP allows no fetch: the context's request
    // client sends the same cookies), as an app would use it through the API.
    const refreshed = await context.request.post(`${worker.url}/auth/refresh?transport=cookie`, {
      headers: { 'X-CSRF-Protection': '1', Origin: worker.url },
    });
    expect(refreshed.status(), await refreshed.text()).toBe(200);
    const { access_token } = (await refreshed.json()) as { access_token: string };
    const change = await context.request.post(`${worker.url}/auth/change-password`, {
      headers: { Authorization: `Bearer ${access_token}` },
      data: { current_password: PASSWORD, new_password: 'Another-Otter-77' },
    });
    const refused = {
      status: change.status(),
      body: (await change.json()) as { error_code: string },
      access_token,
    };
    expect(refused.status).toBe(403);
    expect(refused.body.error_code).toBe('FORBIDDEN');
    expect(decodeJwt(refused.access_token)).toMatchObject({
      sub: target.id,
      act: { sub: expect.any(String) },
    });
    // Ending it from the banner signs the browser out and offers the sign-in page.
    await banner.getByRole('button', { name: 'End impersonation' }).click();
    await page.waitForURL(/\/login\?return_to=/);
    expect(await page.getByRole('region', { name: 'Impersonation' }).count()).toBe(0);
  }, 180_000);

  it('refuses a signed-in non-admin', async () => {
    const user = await verifiedUser(`console-plain-${tag}@example.com`);
    const other = await browser.newContext();
    const page = await other.newPage();
    await page.goto(`${worker.url}/login`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
    const res = await page.goto(`${worker.url}/console/users`);
    expect(res!.status()).toBe(403);
    await page.getByText('The admin console is for administrators.').waitFor();
    expect(await page.content()).not.toContain(adminEmail);
    await other.close();
  }, 60_000);
});
