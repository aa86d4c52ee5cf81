import { describe, expect, it } from 'vitest';
import { PASS_SECRET, PASS_SITE_KEY, TURNSTILE_HOST } from './fake-turnstile';
import { api, apiWithEnv, STRONG_PASSWORD, uniqueEmail, useVarsForThisFile } from './helpers';
import { postForm } from './helpers-pages';

// Issue 29: the hosted pages render Turnstile's widget when the bot check is on, and only then
// (and only on the pages that carry it) let its script and frame in through their CSP.

useVarsForThisFile({
  TURNSTILE_SECRET: PASS_SECRET,
  TURNSTILE_SITE_KEY: PASS_SITE_KEY,
  TURNSTILE_VERIFY_URL: `https://pages.${TURNSTILE_HOST}/siteverify`,
});

const CHALLENGES = 'https://challenges.cloudflare.com';
const WIDGET_PAGES = ['/login', '/register', '/forgot-password'];

/** The CSP's directives by name. */
const directives = (csp: string | null) =>
  Object.fromEntries(
    (csp ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!, values]),
  );

describe('hosted pages with Turnstile on', () => {
  for (const path of WIDGET_PAGES) {
    it(`${path} renders the widget, and its CSP allows Turnstile's script and frame`, async () => {
      const res = await api('GET', path);
      expect(res.status).toBe(200);
      expect(res.text).toContain(`class="cf-turnstile" data-sitekey="${PASS_SITE_KEY}"`);
      const csp = directives(res.headers.get('Content-Security-Policy'));
      const nonce = /'nonce-([^']+)'/.exec(csp['script-src']!.join(' '))![1]!;
      expect(res.text).toContain(
        `<script nonce="${nonce}" src="${CHALLENGES}/turnstile/v0/api.js" async="" defer="">`,
      );
      expect(csp['script-src']).toContain(CHALLENGES);
      expect(csp['frame-src']).toEqual([CHALLENGES]);
      expect(csp['default-src']).toEqual(["'none'"]);
    });
  }

  it('other pages keep the CSP without Turnstile', async () => {
    const res = await api('GET', '/reset-password?token=abcdefghijklmnopqrstuvwxyz');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('class="cf-turnstile"');
    expect(res.headers.get('Content-Security-Policy')).not.toContain(CHALLENGES);
  });

  it('a registration form without the token is refused in words (403), with the form again', async () => {
    const email = uniqueEmail('page-bot');
    const res = await postForm('/register', { email, password: STRONG_PASSWORD });
    expect(res.status).toBe(403);
    expect(res.text).toContain('not a bot');
    expect(res.text).toContain('class="cf-turnstile"');
    const login = await api('POST', '/auth/login', {
      json: { email, password: STRONG_PASSWORD, 'cf-turnstile-response': 'XXXX.DUMMY.TOKEN.XXXX' },
    });
    expect(login.status, 'no account was made').toBe(401);
  });

  it('the forms go through with the token the widget adds', async () => {
    const token = { 'cf-turnstile-response': 'XXXX.DUMMY.TOKEN.XXXX' };
    const email = uniqueEmail('page-human');
    const reg = await postForm('/register', { email, password: STRONG_PASSWORD, ...token });
    expect(reg.status, reg.text).toBe(201);
    // An account made through the API (which asks for a token as well).
    const user = { email: uniqueEmail('page-user'), password: STRONG_PASSWORD };
    expect((await api('POST', '/auth/register', { json: { ...user, ...token } })).status).toBe(201);
    expect((await postForm('/login', { email: user.email, password: user.password })).status).toBe(
      403,
    );
    const login = await postForm('/login', {
      email: user.email,
      password: user.password,
      ...token,
    });
    expect(login.status, login.text).toBe(200);
    expect(login.headers.get('Set-Cookie')).toContain('refresh');
    const forgot = await postForm('/forgot-password', { email: user.email, ...token });
    expect(forgot.status, forgot.text).toBe(200);
  });
});

describe('hosted pages with Turnstile off', () => {
  for (const path of WIDGET_PAGES) {
    it(`${path} has no widget and no Turnstile in its CSP`, async () => {
      const res = await apiWithEnv({ TURNSTILE_SECRET: '' }, 'GET', path);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('class="cf-turnstile"');
      expect(res.headers.get('Content-Security-Policy')).not.toContain(CHALLENGES);
    });
  }
});
