// Email sign-in in headless Chromium: an app on another origin asks for the email through
// client/browser.ts (creating the account), the email's link opens the hosted confirm page, its
// button signs the browser in and sends it back to the app, which then holds a session through
// the HttpOnly cookie; a second browser signs in with the email's code through the client.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { BrowserAuth } from '../../client/browser';
import { chromiumPath, freePort, startApp, startWorker, type Worker } from './servers';

const CHROMIUM = chromiumPath();
const ARTIFACTS = 'test-artifacts/browser';

// What the page's callbacks see (types only, erased before playwright sends the callbacks).
type AppWindow = { auth: BrowserAuth };

describe.skipIf(!CHROMIUM)('in Chromium: email sign-in', () => {
  let worker: Worker;
  let app: { stop(): Promise<unknown> };
  let appUrl: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const email = `email-${Date.now().toString(36)}@example.com`;

  beforeAll(async () => {
    const appPort = await freePort();
    appUrl = `http://localhost:${appPort}`;
    worker = await startWorker(appUrl, {});
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
  });

  async function newTab(): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    return context.newPage();
  }

  /** Runs a step; on failure saves a screenshot of every open page, then fails. */
  async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      mkdirSync(ARTIFACTS, { recursive: true });
      for (const [c, context] of contexts.entries()) {
        for (const [i, page] of context.pages().entries()) {
          await page
            .screenshot({ path: `${ARTIFACTS}/email-${name}-${c}-${i}.png`, fullPage: true })
            .catch(() => {});
        }
      }
      throw new Error(`step "${name}" failed (worker log ${worker.logFile})`, { cause: err });
    }
  }

  /** The newest sign-in email's link and code, once it has arrived (count: how many by now). */
  async function signInMail(count: number) {
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${worker.url}/dev/outbox?to=${encodeURIComponent(email)}`);
      const { items } = await res.json<{ items: { subject: string; body: string }[] }>();
      const mails = items.filter((m) => m.subject === 'Your sign-in link');
      if (mails.length >= count) {
        const body = mails[0]!.body;
        const link = /https?:\/\/\S+\/auth\/email\/confirm\?token=[\w-]+/.exec(body)?.[0];
        const code = /code[^\n]*: (\d{6})\n/.exec(body)?.[1];
        expect(link, body).toBeDefined();
        expect(code, body).toBeDefined();
        return { link: link!, code: code! };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no sign-in email #${count} for ${email}`);
  }

  it("the email's link signs the browser in through the confirm page; the code, another one", async () => {
    const tab = await newTab();
    await step('start', async () => {
      await tab.goto(`${appUrl}/`);
      await tab.waitForFunction(() => !!(globalThis as unknown as AppWindow).auth);
      await tab.evaluate(
        ([address, returnTo]) =>
          (globalThis as unknown as AppWindow).auth.startEmailSignIn(address!, {
            createAccount: true,
            returnTo,
          }),
        [email, `${appUrl}/`],
      );
    });

    const { link } = await signInMail(1);
    await step('confirm', async () => {
      // The link names APP_URL; the hosted page is this service's own.
      const token = new URL(link).searchParams.get('token')!;
      await tab.goto(`${worker.url}/auth/email/confirm?token=${token}`);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await tab.waitForURL(`${appUrl}/`);
      await tab.waitForFunction(() => !!(globalThis as unknown as AppWindow).auth);
      const token2 = await tab.evaluate(() =>
        (globalThis as unknown as AppWindow).auth.getAccessToken(),
      );
      expect(token2).toEqual(expect.any(String));
      const verified = await fetch(`${worker.url}/auth/verify`, {
        headers: { Authorization: `Bearer ${token2}` },
      });
      expect(verified.status).toBe(200);
      expect((await verified.json<{ email: string }>()).email).toBe(email);
    });

    const other = await newTab();
    await step('code', async () => {
      await other.goto(`${appUrl}/`);
      await other.waitForFunction(() => !!(globalThis as unknown as AppWindow).auth);
      await other.evaluate(
        (address) => (globalThis as unknown as AppWindow).auth.startEmailSignIn(address),
        email,
      );
      const { code } = await signInMail(2);
      const result = await other.evaluate(
        ([address, c]) =>
          (globalThis as unknown as AppWindow).auth.signInWithEmail({ email: address!, code: c! }),
        [email, code],
      );
      expect(result).toEqual({ kind: 'signed_in' });
      const token = await other.evaluate(() =>
        (globalThis as unknown as AppWindow).auth.getAccessToken(),
      );
      expect(token).toEqual(expect.any(String));
    });
  });
});
