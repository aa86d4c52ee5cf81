// This worker as an identity provider, the way a user meets it: examples/relying-party (a second
// Worker on openid-client) served by its own wrangler dev, its "Sign in" link → our sign-in
// page → consent → back to it, signed in. Chromium checks what workerd cannot: the pages' CSP
// form-action lets each form's redirect chain end at the client's origin, including a sign-in
// that goes through the two-step page first and one whose consent is already remembered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { base32Decode, stableStep, totpAt } from '../totp';
import {
  callWorker,
  chromiumPath,
  freePort,
  startRelyingParty,
  startWorker,
  type Worker,
} from './servers';

const CHROMIUM = chromiumPath();
const PASSWORD = 'Vermilion-Otter-42';
type Json = Record<string, unknown>;

describe.skipIf(!CHROMIUM)('in Chromium: the example relying party signs in through us', () => {
  let worker: Worker;
  let rp: Worker;
  let browser: Browser;
  // Pages a test opened: what the browser said about them (CSP refusals among it).
  const refusals: string[] = [];

  const call = (path: string, body: Json, token?: string) =>
    callWorker(worker, 'POST', path, body, token);

  beforeAll(async () => {
    const rpPort = await freePort();
    const rpOrigin = `http://localhost:${rpPort}`;
    // The worker's own frontend is elsewhere: the example app is not among its allowed origins,
    // so only the authorization request can put its origin into a page's form-action.
    const frontend = `http://localhost:${await freePort()}`;
    worker = await startWorker(frontend, { OAUTH_DYNAMIC_REGISTRATION: 'true' });
    // The client the example's README asks for (here through RFC 7591 registration).
    const client = await call('/oauth/register', {
      client_name: 'Example app',
      redirect_uris: [`${rpOrigin}/callback`],
      grant_types: ['authorization_code'],
      scope: 'openid email profile',
    });
    expect(client.status, client.text).toBe(201);
    rp = await startRelyingParty(rpPort, {
      AUTH_URL: worker.url,
      CLIENT_ID: String(client.body.client_id),
      CLIENT_SECRET: String(client.body.client_secret),
      REDIRECT_URI: `${rpOrigin}/callback`,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM!,
      args: ['--no-sandbox', '--host-resolver-rules=MAP localhost 127.0.0.1'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await rp?.stop();
    await worker?.stop();
  });

  async function newPage() {
    const page = await (await browser.newContext()).newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|form-action/i.test(m.text())) refusals.push(m.text());
    });
    return page;
  }

  /** A registered user. */
  async function user() {
    const email = `rp-${crypto.randomUUID()}@example.com`;
    const registered = await call('/auth/register', { email, password: PASSWORD });
    expect(registered.status, registered.text).toBe(201);
    return email;
  }

  /** A registered user with a TOTP factor turned on: its secret, the enrolling step, codes. */
  async function mfaUser() {
    const email = await user();
    const login = await call('/auth/login', { email, password: PASSWORD });
    const token = String(login.body.access_token);
    const setup = await call('/mfa/setup', { type: 'totp' }, token);
    expect(setup.status, setup.text).toBe(201);
    const secret = base32Decode(String(setup.body.secret));
    const enrolledStep = await stableStep();
    const code = await totpAt(secret, enrolledStep);
    const verified = await call('/mfa/verify', { method_id: setup.body.method_id, code }, token);
    expect(verified.status, verified.text).toBe(200);
    return { email, secret, enrolledStep, backupCodes: verified.body.backup_codes as string[] };
  }

  /** From the example app's home page through its Sign in link to our sign-in form, filled. */
  async function signInFromApp(page: Page, email: string) {
    await page.goto(`${rp.url}/`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === worker.url && url.pathname === '/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  async function consent(page: Page) {
    await page.waitForURL((url) => url.pathname === '/oauth/authorize');
    await expect(page.getByText('Example app').first().isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Allow' }).click();
  }

  async function expectSignedIn(page: Page, email: string) {
    await page.waitForURL(`${rp.url}/`);
    expect(await page.locator('#signed-in').textContent()).toBe(`Signed in as ${email}`);
  }

  it('Sign in → our sign-in page → consent → back to the app, signed in', async () => {
    const email = await user();
    const page = await newPage();
    await signInFromApp(page, email);
    await consent(page);
    await expectSignedIn(page, email);
    expect(refusals).toEqual([]);
  });

  it('through the two-step page (a wrong code first), then again with consent remembered', async () => {
    const mfa = await mfaUser();
    const first = await newPage();
    await signInFromApp(first, mfa.email);
    await first.getByLabel('Verification code').fill('000000');
    await first.getByRole('button', { name: 'Verify' }).click();
    await first.getByRole('alert').first().waitFor();
    const step = await stableStep();
    const code = await totpAt(mfa.secret, Math.max(step, mfa.enrolledStep + 1));
    await first.getByLabel('Verification code').fill(code);
    await first.getByRole('button', { name: 'Verify' }).click();
    await consent(first);
    await expectSignedIn(first, mfa.email);

    // A new browser: the consent is remembered, so the two-step form's answer redirects through
    // /oauth/authorize straight to the app, a chain form-action must allow to its end.
    const second = await newPage();
    await signInFromApp(second, mfa.email);
    await second.getByLabel('Verification code').fill(mfa.backupCodes[0]!);
    await second.getByRole('button', { name: 'Verify' }).click();
    await expectSignedIn(second, mfa.email);
    expect(refusals).toEqual([]);
  });
});
