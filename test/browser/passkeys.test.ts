// Passkeys in headless Chromium with the DevTools virtual authenticator (a platform
// authenticator with resident keys and user verification): client/browser.ts in the app on
// another origin of the same site registers a passkey, signs out, and signs in with it; the
// worker runs @simplewebauthn/server's verification on what a real browser made.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { BrowserAuth } from '../../client/browser';
import { chromiumPath, freePort, startApp, startWorker, type Worker } from './servers';

const CHROMIUM = chromiumPath();
const PASSWORD = 'Vermilion-Otter-42';

type AppWindow = { auth: BrowserAuth };
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
});
