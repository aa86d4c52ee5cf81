// Passkeys in headless Chromium with the DevTools virtual authenticator (a platform
// authenticator with resident keys and user verification): client/browser.ts in the app on
// another origin of the same site registers a passkey, signs out, and signs in with it; the
// worker runs @simplewebauthn/server's verification on what a real browser made. The hosted
// account page (/account) adds one too, and the hosted sign-in page signs in with it.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { BrowserAuth } from '../../client/browser';
import { chromiumPath, freePort, startApp, startWorker, type Worker } from './servers';

const CHROMIUM = chromiumPath();
const PASSWORD = 'Vermilion-Otter-42';

type AppWindow = { auth: BrowserAuth };

/**
 * A page with Chromium's virtual authenticator (DevTools WebAuthn domain): a platform
 * authenticator holding resident keys, verifying the user, answering without a prompt.
 */
async function withAuthenticator(context: BrowserContext) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { page, cdp, authenticatorId };
}

const app = (page: Page) => ({
  run: <T>(fn: (auth: BrowserAuth, arg: any) => Promise<T>, arg?: unknown) =>
    page.evaluate(
      ([source, a]) => {
        const auth = (globalThis as unknown as AppWindow).auth;
        // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the callback's source, sent to the page
        return (new Function(`return (${source})`)() as typeof fn)(auth, a);
      },
      [fn.toString(), arg] as const,
    ),
});

describe.skipIf(!CHROMIUM)('in Chromium: passkeys with the virtual authenticator', () => {
  let worker: Worker;
  let server: { stop(): Promise<unknown> };
  let appUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  const email = `passkey-${Date.now().toString(36)}@example.com`;

  beforeAll(async () => {
    const appPort = await freePort();
    appUrl = `http://localhost:${appPort}`;
    worker = await startWorker(appUrl, {});
    server = await startApp(appPort, worker.url);
    browser = await chromium.launch({
      executablePath: CHROMIUM!,
      args: ['--no-sandbox', '--host-resolver-rules=MAP localhost 127.0.0.1'],
    });
    context = await browser.newContext();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await worker?.stop();
  });

  it('registers a passkey from the app, then signs in with it from the app, the hosted page’s autofill and its button', async () => {
    const { page, cdp, authenticatorId } = await withAuthenticator(context);
    await page.goto(`${appUrl}/`);
    await page.getByRole('heading', { name: 'The app' }).waitFor();
    const auth = app(page);

    await auth.run((a, { email, password }) => a.signUp({ email, password }), {
      email,
      password: PASSWORD,
    });
    expect(
      await auth.run((a, { email, password }) => a.signIn(email, password), {
        email,
        password: PASSWORD,
      }),
    ).toEqual({ kind: 'signed_in' });

    const added = await auth.run((a) => a.registerPasskey({ name: 'Chromium' }));
    expect(added).toMatchObject({ name: 'Chromium', device_type: expect.any(String) });
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);

    await auth.run((a) => a.signOut());
    expect(await auth.run((a) => Promise.resolve(a.signedIn))).toBe(false);

    // No email: the discoverable credential picks the account.
    expect(await auth.run((a) => a.signInWithPasskey())).toEqual({ kind: 'signed_in' });
    const token = await auth.run((a) => a.getAccessToken());
    const claims = decodeJwt(token!);
    expect(claims.amr).toEqual(['hwk', 'user']);
    const me = await fetch(`${worker.url}/auth/me`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(((await me.json()) as any).sign_in_methods).toEqual({
      password: true,
      passkeys: 1,
      identities: [],
    });
    const { credentials: after } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(after[0]!.signCount).toBeGreaterThan(0);

    // The hosted sign-in page. Its email field asks for passkeys with conditional mediation
    // (autofill); the virtual authenticator, simulating the user's presence, answers at once, so
    // the page posts the assertion and lands back in the app without a click.
    const signedInAgain = async () => {
      await page.waitForURL(`${appUrl}/`);
      await page.getByRole('heading', { name: 'The app' }).waitFor();
      const token = await app(page).run((a) => a.getAccessToken());
      expect(decodeJwt(token!)).toMatchObject({ sub: claims.sub, amr: ['hwk', 'user'] });
    };
    const loginPage = `${worker.url}/login?return_to=${encodeURIComponent(`${appUrl}/`)}`;
    await auth.run((a) => a.signOut());
    await page.goto(loginPage);
    await signedInAgain();

    // The button: with no presence simulated the autofill request waits; the button replaces it.
    await app(page).run((a) => a.signOut());
    const presence = (enabled: boolean) =>
      cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
    await presence(false);
    await page.goto(loginPage);
    expect(await page.getByLabel('Email').getAttribute('autocomplete')).toBe('username webauthn');
    const button = page.getByRole('button', { name: 'Use a passkey' });
    await button.waitFor();
    await presence(true);
    await button.click();
    await signedInAgain();
  }, 120_000);
  it('adds a passkey on the hosted account page, then signs in with it on the hosted sign-in page', async () => {
    // Its own browser profile and authenticator: nothing carried over from the test above.
    const own = await browser.newContext();
    const { page, cdp, authenticatorId } = await withAuthenticator(own);
    const accountEmail = `account-${Date.now().toString(36)}@example.com`;
    const registered = await fetch(`${worker.url}/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: accountEmail, password: PASSWORD }),
    });
    expect(registered.status).toBe(201);

    // Signed out, the account page only links to the sign-in page.
    await page.goto(`${worker.url}/account`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Email').fill(accountEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForLoadState();
    await page.goto(`${worker.url}/account`);
    await page.getByText('No passkeys yet.').waitFor();

    // Signed in just now: the button is there without a password; the authenticator answers.
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Passkey added').waitFor();
    expect(await page.getByRole('button', { name: 'Remove' }).count()).toBe(1);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);

    // Signed out (the cookie gone), the sign-in page's autofill signs in with the new passkey.
    await own.clearCookies();
    await page.goto(`${worker.url}/account`);
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    await page.goto(`${worker.url}/login?return_to=${encodeURIComponent(`${appUrl}/`)}`);
    await page.waitForURL(`${appUrl}/`);
    await page.getByRole('heading', { name: 'The app' }).waitFor();
    const token = await app(page).run((a) => a.getAccessToken());
    expect(decodeJwt(token!)).toMatchObject({ amr: ['hwk', 'user'] });
    await page.goto(`${worker.url}/account`);
    await page.getByText('last used 20').waitFor();
    await own.close();
  }, 120_000);
});
