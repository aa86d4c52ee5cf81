// The whole frontend path in headless Chromium: the hosted pages (register, confirm the
// email, sign in, TOTP step) and client/browser.ts in an app on another origin of the same
// site (signed in through the HttpOnly cookie, refresh after expiry, two tabs refreshing at
// once, sign out). playwright-core drives the system's Chromium; no browser is downloaded.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import type { BrowserAuth } from '../../client/browser';
import * as OTPAuth from 'otpauth';
import { chromiumPath, freePort, startApp, startWorker, type Worker } from './servers';

const CHROMIUM = chromiumPath();
const NO_BROWSER =
  'skipped: no Chromium at CHROMIUM_PATH or /usr/bin/chromium (apt-get install chromium)';
if (!CHROMIUM) {
  // Said twice: on stderr, and as the skipped test's name, which every reporter lists.
  process.stderr.write(`browser tests ${NO_BROWSER}\n`);
  describe('in Chromium', () => it.skip(NO_BROWSER, () => {}));
}

const ARTIFACTS = 'test-artifacts/browser';
const PASSWORD = 'Vermilion-Otter-42';

// What the page's callbacks see (the repository compiles without the DOM library; the casts
// are types only, erased before playwright sends the callbacks to the page).
type AppWindow = {
  auth: BrowserAuth;
  navigator: { locks?: unknown };
  document: { cookie: string; activeElement: unknown };
};

describe.skipIf(!CHROMIUM)('in Chromium: hosted pages and the browser client', () => {
  let worker: Worker;
  let app: { stop(): Promise<unknown> };
  let appUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  const email = `browser-${Date.now().toString(36)}@example.com`;

  beforeAll(async () => {
    const appPort = await freePort();
    appUrl = `http://localhost:${appPort}`;
    // The access token lives its minimum (60 s); the page's clock is moved past it.
    worker = await startWorker(appUrl, { ACCESS_TOKEN_TTL_SECONDS: '60' });
    app = await startApp(appPort, worker.url);
    browser = await chromium.launch({
      executablePath: CHROMIUM!,
      args: ['--no-sandbox', '--host-resolver-rules=MAP localhost 127.0.0.1'],
    });
    context = await browser.newContext();
    await context.clock.install();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await worker?.stop();
  });

  /** Runs a step; on failure saves a screenshot of every open page, then fails. */
  async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      mkdirSync(ARTIFACTS, { recursive: true });
      for (const [i, page] of context.pages().entries()) {
        await page
          .screenshot({ path: `${ARTIFACTS}/${name}-tab${i + 1}.png`, fullPage: true })
          .catch(() => {});
      }
      throw new Error(
        `step "${name}" failed (screenshots in ${ARTIFACTS}; worker log ${worker.logFile})`,
        {
          cause: err,
        },
      );
    }
  }

  const verify = (token: string | null) =>
    fetch(`${worker.url}/auth/verify`, { headers: { Authorization: `Bearer ${token}` } });

  const refreshCookie = async () =>
    (await context.cookies(worker.url)).find((c) => c.name === '__Host-refresh');

  it('register → confirm → sign in with TOTP → refresh → two tabs → sign out', async () => {
    const tab = await context.newPage();

    await step('register', async () => {
      await tab.goto(`${worker.url}/register?return_to=${encodeURIComponent(`${appUrl}/`)}`);
      // Standards mode (the doctype), and the stylesheet applied as written: its font stack,
      // not the serif a dropped `font` declaration falls back to.
      const rendering = await tab.evaluate(() => {
        const w = globalThis as unknown as {
          document: { compatMode: string; body: unknown; querySelector(s: string): unknown };
          getComputedStyle(el: unknown): { fontFamily: string; backgroundColor: string };
        };
        return {
          mode: w.document.compatMode,
          font: w.getComputedStyle(w.document.body).fontFamily,
          button: w.getComputedStyle(w.document.querySelector('button')).backgroundColor,
        };
      });
      expect(rendering).toEqual({
        mode: 'CSS1Compat',
        font: 'system-ui, -apple-system, "Segoe UI", sans-serif',
        button: 'rgb(11, 92, 213)',
      });
      await tab.getByLabel('Email').fill(email);
      await tab.getByLabel('Password').fill('weak');
      await tab.getByRole('button', { name: 'Create account' }).click();
      // The policy's refusal, in words, announced and focused.
      const alert = tab.getByRole('alert');
      await expect(alert.textContent()).resolves.toContain('Choose a stronger password');
      expect(
        await alert.evaluate(
          (el) => el === (globalThis as unknown as AppWindow).document.activeElement,
        ),
      ).toBe(true);
      await tab.getByLabel('Password').fill(PASSWORD);
      await tab.getByRole('button', { name: 'Create account' }).click();
      await tab.getByRole('heading', { name: 'Check your email' }).waitFor();
    });

    await step('verify-email', async () => {
      let link: string | undefined;
      for (let i = 0; i < 40 && !link; i++) {
        const outbox = await fetch(`${worker.url}/dev/outbox?to=${encodeURIComponent(email)}`);
        const { items } = await outbox.json<{ items: { body: string }[] }>();
        link = /https?:\/\/\S+verify-email\?token=[\w-]+/.exec(items[0]?.body ?? '')?.[0];
        if (!link) await new Promise((r) => setTimeout(r, 100));
      }
      expect(link, 'the verification email').toBeDefined();
      // The link names APP_URL; the hosted page is this service's own.
      const token = new URL(link!).searchParams.get('token')!;
      await tab.goto(`${worker.url}/verify-email?token=${token}`);
      await tab.getByRole('button', { name: 'Confirm my email address' }).click();
      await tab.getByRole('heading', { name: 'Email confirmed' }).waitFor();
    });

    // A second factor, enrolled through the API as the account's settings page would.
    const totp = await step('enrol-totp', async () => {
      const login = await fetch(`${worker.url}/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      const { access_token } = await login.json<{ access_token: string }>();
      const bearer = {
        Authorization: `Bearer ${access_token}`,
        'Content-Type': 'application/json',
      };
      const setup = await fetch(`${worker.url}/mfa/setup`, {
        method: 'POST',
        headers: bearer,
        body: JSON.stringify({ type: 'totp' }),
      });
      const { secret, method_id } = await setup.json<{ secret: string; method_id: string }>();
      const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
      // The previous step's code (±1 is accepted), so the current one is still unused for login.
      const code = totp.generate({ timestamp: Date.now() - 30_000 });
      const confirmed = await fetch(`${worker.url}/mfa/verify`, {
        method: 'POST',
        headers: bearer,
        body: JSON.stringify({ method_id, code }),
      });
      expect(confirmed.status, await confirmed.text()).toBe(200);
      return totp;
    });

    await step('sign-in', async () => {
      await tab.goto(`${worker.url}/login?return_to=${encodeURIComponent(`${appUrl}/`)}`);
      await tab.getByLabel('Email').fill(email);
      await tab.getByLabel('Password').fill('Wrong-Password-1');
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await expect(tab.getByRole('alert').textContent()).resolves.toContain(
        'do not match an account',
      );
      expect(await tab.content()).not.toContain('error_code');
      await tab.getByLabel('Password').fill(PASSWORD);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await tab.getByRole('heading', { name: 'Two-step verification' }).waitFor();
      await tab.getByLabel('Verification code').fill(totp.generate({ timestamp: Date.now() }));
      await tab.getByRole('button', { name: 'Verify' }).click();
      await tab.waitForURL(`${appUrl}/`);
      await tab.getByRole('heading', { name: 'The app' }).waitFor();
    });

    const first = await step('signed-in', async () => {
      const cookie = await refreshCookie();
      expect(cookie, 'the refresh cookie').toBeDefined();
      expect(cookie!.httpOnly).toBe(true);
      expect(cookie!.secure).toBe(true);
      expect(cookie!.sameSite).toBe('Lax');
      const token = await tab.evaluate(() =>
        (globalThis as unknown as AppWindow).auth.getAccessToken(),
      );
      expect(token).toEqual(expect.any(String));
      expect((await verify(token)).status).toBe(200);
      // The app's JavaScript never sees the refresh token.
      expect(
        await tab.evaluate(() => (globalThis as unknown as AppWindow).document.cookie),
      ).not.toContain('refresh');
      // Asked again before expiry: the same token, no refresh.
      expect(
        await tab.evaluate(() => (globalThis as unknown as AppWindow).auth.getAccessToken()),
      ).toBe(token);
      return token!;
    });

    const second = await step('refresh-after-expiry', async () => {
      const before = (await refreshCookie())!.value;
      await context.clock.fastForward(61_000);
      const token = await tab.evaluate(() =>
        (globalThis as unknown as AppWindow).auth.getAccessToken(),
      );
      expect(token).toEqual(expect.any(String));
      expect(token).not.toBe(first);
      expect((await refreshCookie())!.value).not.toBe(before);
      expect((await verify(token)).status).toBe(200);
      const res = await tab.evaluate(async (url) => {
        const r = await (globalThis as unknown as AppWindow).auth.fetch(`${url}/auth/verify`);
        return r.status;
      }, worker.url);
      expect(res).toBe(200);
      return token!;
    });

    const other = await context.newPage();
    await step('two-tabs', async () => {
      await other.goto(`${appUrl}/`);
      await other.waitForFunction(() => 'auth' in globalThis);
      expect(
        await other.evaluate(() => (globalThis as unknown as AppWindow).auth.getAccessToken()),
      ).toEqual(expect.any(String));
      await context.clock.fastForward(61_000);
      const [a, b] = await Promise.all([
        tab.evaluate(() => (globalThis as unknown as AppWindow).auth.getAccessToken()),
        other.evaluate(() => (globalThis as unknown as AppWindow).auth.getAccessToken()),
      ]);
      expect(a).toEqual(expect.any(String));
      expect(b).toEqual(expect.any(String));
      expect(a).not.toBe(second);
      expect((await verify(a)).status).toBe(200);
      expect((await verify(b)).status).toBe(200);
      // Still one live session afterwards: the next refresh works in both.
      await context.clock.fastForward(61_000);
      expect(
        await other.evaluate(() => (globalThis as unknown as AppWindow).auth.getAccessToken()),
      ).toEqual(expect.any(String));
      expect(
        await tab.evaluate(() => (globalThis as unknown as AppWindow).auth.getAccessToken()),
      ).toEqual(expect.any(String));
    });

    await step('two-tabs-without-web-locks', async () => {
      // The BroadcastChannel fallback: two more tabs of a browser without navigator.locks.
      const bare = [await context.newPage(), await context.newPage()];
      for (const page of bare) {
        await page.addInitScript(() =>
          Object.defineProperty(
            Object.getPrototypeOf((globalThis as unknown as AppWindow).navigator),
            'locks',
            {
              get: () => undefined,
            },
          ),
        );
        await page.goto(`${appUrl}/`);
        await page.waitForFunction(() => 'auth' in globalThis);
        expect(
          await page.evaluate(() => !!(globalThis as unknown as AppWindow).navigator.locks),
        ).toBe(false);
      }
      const tokens = await Promise.all(
        bare.map((page) =>
          page.evaluate(() => (globalThis as unknown as AppWindow).auth.getAccessToken()),
        ),
      );
      for (const token of tokens) expect((await verify(token)).status).toBe(200);
      await context.clock.fastForward(61_000);
      const again = await Promise.all(
        bare.map((page) =>
          page.evaluate(() => (globalThis as unknown as AppWindow).auth.getAccessToken()),
        ),
      );
      for (const token of again) {
        expect(tokens).not.toContain(token);
        expect((await verify(token)).status).toBe(200);
      }
      for (const page of bare) await page.close();
    });

    await step('sign-out', async () => {
      const token = await tab.evaluate(() =>
        (globalThis as unknown as AppWindow).auth.getAccessToken(),
      );
      await tab.evaluate(() => (globalThis as unknown as AppWindow).auth.signOut());
      expect(await refreshCookie()).toBeUndefined();
      expect((await verify(token)).status).toBe(401);
      expect(
        await other.evaluate(() => (globalThis as unknown as AppWindow).auth.getAccessToken()),
      ).toBeNull();
      expect(await tab.evaluate(() => (globalThis as unknown as AppWindow).auth.signedIn)).toBe(
        false,
      );
    });
  });
});
