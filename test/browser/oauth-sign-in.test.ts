// Social sign-in in headless Chromium against a real OpenID provider: oidc-provider (the
// reference implementation) served in Node on loopback with its own login and consent pages,
// the worker under wrangler dev configured with it as an `oidc` provider. Once through the
// hosted sign-in page's button, once through client/browser.ts's signInWithProvider.
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import Provider from 'oidc-provider';
import type { BrowserAuth } from '../../client/browser';
import { chromiumPath, freePort, startApp, startWorker, type Worker } from './servers';

const CHROMIUM = chromiumPath();
type AppWindow = { auth: BrowserAuth };

describe.skipIf(!CHROMIUM)('in Chromium: social sign-in through a local OpenID provider', () => {
  let worker: Worker;
  let app: { stop(): Promise<unknown> };
  let appUrl: string;
  let browser: Browser;
  let idp: ReturnType<typeof createServer>;

  beforeAll(async () => {
    const [appPort, idpPort] = [await freePort(), await freePort()];
    appUrl = `http://localhost:${appPort}`;
    const issuer = `http://localhost:${idpPort}`;
    const providers = [
      { id: 'local', type: 'oidc', name: 'Local OpenID', client_id: 'browser', issuer },
    ];
    worker = await startWorker(appUrl, {
      OAUTH_PROVIDERS: JSON.stringify(providers),
      OAUTH_LOCAL_CLIENT_SECRET: 'browser-test-secret',
    });
    // Any login at the provider's own (development) login page is an account with a verified
    // address made of it.
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'browser',
          client_secret: 'browser-test-secret',
          redirect_uris: [`${worker.url}/auth/oauth/local/callback`],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      claims: { openid: ['sub'], email: ['email', 'email_verified'] },
      findAccount: (_ctx: unknown, id: string) => ({
        accountId: id,
        claims: () => ({ sub: id, email: `${id}@example.com`, email_verified: true }),
      }),
      cookies: { keys: ['browser-test'] },
    });
    const handle = provider.callback();
    idp = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => idp.listen(idpPort, '127.0.0.1', resolve));
    app = await startApp(appPort, worker.url);
    browser = await chromium.launch({
      executablePath: CHROMIUM!,
      args: ['--no-sandbox', '--host-resolver-rules=MAP localhost 127.0.0.1'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await worker?.stop();
    await new Promise((resolve) => idp?.close(resolve));
  });

  /** The provider's development login and consent pages, as a user fills them. */
  async function atProvider(page: Page, login: string) {
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click(); // consent
  }

  const accessToken = (page: Page) =>
    page.evaluate(() => (globalThis as unknown as AppWindow).auth.getAccessToken());

  async function emailOf(token: string | null) {
    const res = await fetch(`${worker.url}/auth/verify`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    return (await res.json<{ email: string }>()).email;
  }

  it('the hosted sign-in page’s button signs the browser in and returns to the app', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${worker.url}/login?return_to=${encodeURIComponent(`${appUrl}/`)}`);
    await page.getByRole('link', { name: 'Continue with Local OpenID' }).click();
    const login = `hosted${Date.now()}`;
    await atProvider(page, login);
    await page.waitForURL(`${appUrl}/`);
    await page.waitForFunction(() => !!(globalThis as unknown as AppWindow).auth);
    expect(await emailOf(await accessToken(page))).toBe(`${login}@example.com`);
  });

  it('client/browser.ts: signInWithProvider, then finishProviderSignIn on the return', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${appUrl}/`);
    await page.waitForFunction(() => !!(globalThis as unknown as AppWindow).auth);
    await page.evaluate(
      (returnTo) =>
        void (globalThis as unknown as AppWindow).auth.signInWithProvider('local', { returnTo }),
      `${appUrl}/back`,
    );
    const login = `client${Date.now()}`;
    await atProvider(page, login);
    await page.waitForURL(/\/back\?login_code=/);
    await page.waitForFunction(() => !!(globalThis as unknown as AppWindow).auth);
    const result = await page.evaluate(() =>
      (globalThis as unknown as AppWindow).auth.finishProviderSignIn(),
    );
    expect(result).toEqual({ kind: 'signed_in' });
    expect(await emailOf(await accessToken(page))).toBe(`${login}@example.com`);
  });
});
