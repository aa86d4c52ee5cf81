import { describe, expect, it } from 'vitest';
import {
  api,
  apiWithEnv,
  createSignedInUser,
  createUser,
  eventually,
  expectError,
  STRONG_PASSWORD,
  uniqueEmail,
} from './helpers';
import { latestToken, linkToken, outbox, RESET_SUBJECT, VERIFY_SUBJECT } from './helpers-mail';
import { createOrg, verifyEmailOf } from './helpers-orgs';
import { createMfaUser, stableStep, totpAt } from './helpers-mfa';
import { ORIGIN, postForm as post } from './helpers-pages';

const APP = 'http://localhost:3000'; // APP_URL in development (scripts/dev-values.mjs)

const hidden = (html: string, name: string) =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];

const refreshCookie = (headers: Headers) =>
  headers.getSetCookie().find((h) => h.startsWith('__Host-refresh='));

describe('hosted pages', () => {
  it.each(['/login', '/register', '/forgot-password'])(
    '%s is HTML with a nonce CSP, labelled fields and no third-party asset',
    async (path) => {
      const res = await api('GET', path);
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
      const csp = res.headers.get('Content-Security-Policy') ?? '';
      const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce, csp).toBeDefined();
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.text).toContain(`<style nonce="${nonce}">`);
      expect(res.text).toMatch(/<html lang="en">/);
      expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//);
      expect(res.text).not.toMatch(/ style="/);
      for (const [, id] of res.text.matchAll(/<input id="([^"]+)"/g)) {
        expect(res.text, id).toContain(`<label for="${id}">`);
      }
      // A fresh nonce per answer.
      const again = await api('GET', path);
      expect(again.headers.get('Content-Security-Policy')).not.toBe(csp);
    },
  );

  it('signing in sets the HttpOnly refresh cookie and goes back to an allowed return_to', async () => {
    const user = await createUser();
    const returnTo = `${APP}/account?tab=1`;
    const page = await api('GET', `/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(hidden(page.text, 'return_to')).toBe(returnTo.replace('&', '&amp;'));
    const res = await post('/login', {
      email: user.email,
      password: user.password,
      return_to: returnTo,
    });
    expect(res.status, res.text).toBe(303);
    expect(res.headers.get('Location')).toBe(returnTo);
    expect(refreshCookie(res.headers)).toMatch(/HttpOnly/);
    expect(res.headers.get('Content-Security-Policy')).toContain(`form-action 'self' ${APP}`);
    const value = /^__Host-refresh=([^;]+)/.exec(refreshCookie(res.headers)!)![1]!;
    const refreshed = await api('POST', '/auth/refresh?transport=cookie', {
      headers: { 'X-CSRF-Protection': '1', Cookie: `__Host-refresh=${value}`, Origin: APP },
    });
    expect(refreshed.status, refreshed.text).toBe(200);
  });

  it.each([
    'https://evil.example/',
    '//evil.example/',
    'http://localhost:3000.evil.example/',
    'http://localhost:3000@evil.example/',
    'http://user:pw@localhost:3000/',
    'javascript:alert(1)',
    '/relative/path',
    'https://localhost:3000/',
  ])('return_to %s is never followed: a neutral page instead', async (returnTo) => {
    const user = await createUser();
    const page = await api('GET', `/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(page.text).not.toContain('name="return_to"');
    const res = await post('/login', {
      email: user.email,
      password: user.password,
      return_to: returnTo,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('Location')).toBeNull();
    expect(res.text).toContain('You are signed in');
    expect(res.text).not.toContain('evil');
    expect(refreshCookie(res.headers)).toBeDefined();
  });

  it('a wrong password is shown in words, announced, never as JSON', async () => {
    const user = await createUser();
    const res = await post('/login', { email: user.email, password: 'Wrong-Password-1' });
    expect(res.status).toBe(401);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(res.text).toContain('role="alert"');
    expect(res.text).toContain('That email and password do not match an account');
    expect(res.text).not.toMatch(/error_code|INVALID_CREDENTIALS|\{"/);
    expect(res.text).toContain('aria-invalid="true"');
    expect(refreshCookie(res.headers)).toBeUndefined();
    const badEmail = await post('/login', { email: 'not-an-email', password: 'x' });
    expect(badEmail.status).toBe(422);
    expect(badEmail.text).toContain('Enter a valid email address');
  });

  it('the second step: a TOTP code signs in; a wrong one keeps the step with words', async () => {
    const user = await createMfaUser();
    const first = await post('/login', { email: user.email, password: user.password });
    expect(first.status, first.text).toBe(200);
    expect(first.text).toContain('Two-step verification');
    expect(refreshCookie(first.headers)).toBeUndefined();
    const mfaToken = hidden(first.text, 'mfa_token')!;
    const methods = hidden(first.text, 'methods')!;
    const wrong = await post('/login/mfa', { mfa_token: mfaToken, methods, code: '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('That code is not right');
    expect(hidden(wrong.text, 'mfa_token')).toBe(mfaToken);
    const step = await stableStep();
    const code = await totpAt(user.secret, Math.max(step, user.enrolledStep + 1));
    const res = await post('/login/mfa', { mfa_token: mfaToken, methods, code, return_to: APP });
    expect(res.status, res.text).toBe(303);
    expect(res.headers.get('Location')).toBe(`${APP}/`);
    expect(refreshCookie(res.headers)).toMatch(/HttpOnly/);
    // The mfa_token is spent: a replay starts over.
    const replay = await post('/login/mfa', { mfa_token: mfaToken, methods, code });
    expect(replay.status).toBe(401);
    expect(replay.text).toContain('Sign in again');
  });

  it('register, then confirm the email from the emailed link, without JavaScript', async () => {
    const email = uniqueEmail('page');
    const weak = await post('/register', { email, password: 'password' });
    expect(weak.status).toBe(422);
    expect(weak.text).toContain('Choose a stronger password');
    expect(weak.text).toContain('<li>Password must contain an upper-case letter.</li>');
    const res = await post('/register', { email, password: STRONG_PASSWORD });
    expect(res.status, res.text).toBe(201);
    expect(res.text).toContain('Check your email');
    const taken = await post('/register', { email, password: STRONG_PASSWORD });
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('already exists');
    const token = await latestToken(email, VERIFY_SUBJECT);
    const page = await api('GET', `/verify-email?token=${token}`);
    expect(page.status).toBe(200);
    expect(hidden(page.text, 'token')).toBe(token);
    const confirmed = await post('/verify-email', { token });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.text).toContain('Your email address is confirmed');
    const again = await post('/verify-email', { token });
    expect(again.status).toBe(401);
    expect(again.text).toContain('expired or was already used');
  });

  it('forgot and reset password', async () => {
    const user = await createUser();
    const sent = await post('/forgot-password', { email: user.email });
    expect(sent.status).toBe(200);
    const unknown = await post('/forgot-password', { email: uniqueEmail('nobody') });
    expect(unknown.text.replace(/nonce="[^"]+"/, '')).toBe(sent.text.replace(/nonce="[^"]+"/, ''));
    const token = await latestToken(user.email, RESET_SUBJECT);
    expect((await api('GET', '/reset-password')).status).toBe(400);
    const page = await api('GET', `/reset-password?token=${token}`);
    expect(hidden(page.text, 'token')).toBe(token);
    const res = await post('/reset-password', { token, new_password: 'Another-Harbor-77' });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain('Password changed');
    const login = await post('/login', { email: user.email, password: 'Another-Harbor-77' });
    expect(login.text).toContain('You are signed in');
  });

  it('refuses a form posted from another site, in words', async () => {
    const user = await createUser();
    const foreign: Record<string, string>[] = [
      { Origin: 'https://evil.example' },
      { Origin: ORIGIN, 'Sec-Fetch-Site': 'cross-site' },
    ];
    for (const headers of foreign) {
      const res = await post('/login', { email: user.email, password: user.password }, headers);
      expect(res.status).toBe(403);
      expect(res.text).toContain('sent from another site');
      expect(refreshCookie(res.headers)).toBeUndefined();
    }
  });

  it('a JSON body to a page is refused as a page; the JSON API keeps its errors', async () => {
    const res = await api('POST', '/login', { json: { email: 'a@b.example', password: 'x' } });
    expect(res.status).toBe(415);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
    expectError(await api('GET', '/no/such/api'), 404, 'NOT_FOUND');
    expectError(await api('GET', '/login/nothing'), 404, 'NOT_FOUND');
    const api415 = await api('POST', '/auth/login', {
      body: 'a=b',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expectError(api415, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('hosted pages: standards mode, their stylesheet, and branding by configuration', () => {
  it('start with a doctype and carry the stylesheet unescaped', async () => {
    const res = await api('GET', '/login');
    expect(res.text.startsWith('<!doctype html>'), res.text.slice(0, 40)).toBe(true);
    const style = /<style nonce="[^"]+">([\s\S]*?)<\/style>/.exec(res.text)?.[1] ?? '';
    expect(style).toContain('font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;');
    expect(style).not.toContain('&quot;');
    expect(res.text).toContain('<title>Sign in · edge-auth</title>');
  });

  const LOGO = 'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=';

  it('show the configured name, logo and accent, and the CSP admits that data: logo', async () => {
    const brand = { BRAND_NAME: 'Acme', BRAND_LOGO_URL: LOGO, BRAND_ACCENT_COLOR: '#ffcc00' };
    const res = await apiWithEnv(brand, 'GET', '/register');
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain('<title>Create an account · Acme</title>');
    expect(res.text).toContain(`<img src="${LOGO}"`);
    // A light accent gets dark text on its buttons.
    expect(res.text).toContain(':root { --accent: #ffcc00; --accent-text: #000; }');
    const csp = res.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toContain("img-src 'self' data:");
    // Without a data: logo, images come from this origin only.
    const plain = await apiWithEnv({ BRAND_LOGO_URL: '/logo.svg' }, 'GET', '/register');
    expect(plain.text).toContain('<img src="/logo.svg"');
    expect(plain.headers.get('Content-Security-Policy')).toContain("img-src 'self';");
  });

  it.each([
    ['BRAND_ACCENT_COLOR', 'red;} body{display:none'],
    ['BRAND_ACCENT_COLOR', 'expression(alert(1))'],
    ['BRAND_LOGO_URL', 'https://tracker.example/pixel.gif'],
    ['BRAND_LOGO_URL', '//evil.example/logo.svg'],
    ['BRAND_LOGO_URL', 'data:text/html;base64,PHNjcmlwdD4='],
    ['BRAND_LOGO_URL', '/logo.svg" onerror="alert(1)'],
  ])('refuse %s=%s: the configuration is invalid and /health names it', async (name, value) => {
    const res = await apiWithEnv({ [name]: value }, 'GET', '/health');
    expect(res.status).toBe(503);
    const page = await apiWithEnv({ [name]: value }, 'GET', '/login');
    expect(page.text).not.toContain(value);
  });
});

describe('the invitation page (/accept-invitation, where the invitation email links)', () => {
  /** An organization, an invitation to a fresh address, and the token its email carries. */
  async function invited(role = 'member') {
    const owner = await createSignedInUser();
    const org = await createOrg(owner);
    const email = uniqueEmail('page-invitee');
    const res = await api('POST', `/organizations/${org.id}/users`, {
      token: owner.access_token,
      json: { email, role },
    });
    expect(res.status, res.text).toBe(202);
    const message = await eventually(async () =>
      (await outbox(email)).find((m) => /^You are invited/.test(m.subject ?? '')),
    );
    expect(message!.body).toContain(`${APP}/accept-invitation?token=`);
    return { org, email, token: linkToken(message!) };
  }

  /**
   * Signs in on the hosted page, with a verified address (only a verified account accepts an
   * invitation); the refresh cookie as the browser would send it back.
   */
  async function pageSession(email: string) {
    await createUser({ email });
    await verifyEmailOf({ email });
    const res = await post('/login', { email, password: STRONG_PASSWORD });
    const cookie = refreshCookie(res.headers);
    expect(cookie, res.text).toBeDefined();
    return cookie!.split(';')[0]!;
  }

  const memberships = async (email: string) => {
    const login = await api('POST', '/auth/login', { json: { email, password: STRONG_PASSWORD } });
    const orgs = await api('GET', '/organizations', { token: login.body.access_token });
    return (orgs.body.items as { id: string; role: string }[]).map((o) => [o.id, o.role]);
  };

  it('signed in with the invited address: a button, then the membership (the link then spent)', async () => {
    const { org, email, token } = await invited('viewer');
    const cookie = await pageSession(email);
    // The GET only shows the form: a mail scanner fetching the link accepts nothing.
    const page = await api('GET', `/accept-invitation?token=${token}`, {
      headers: { Cookie: cookie },
    });
    expect(page.status, page.text).toBe(200);
    expect(hidden(page.text, 'token')).toBe(token);
    expect(page.text).toContain('Accept the invitation');
    expect(await memberships(email)).toEqual([]);

    const accepted = await post('/accept-invitation', { token }, { Cookie: cookie });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.text).toContain(`You are now a member of ${org.name} (viewer).`);
    // The session was used, so its cookie rotated.
    const rotated = refreshCookie(accepted.headers);
    expect(rotated).toBeDefined();
    expect(rotated!.split(';')[0]).not.toBe(cookie);
    expect(await memberships(email)).toEqual([[org.id, 'viewer']]);

    const again = await post('/accept-invitation', { token }, { Cookie: rotated!.split(';')[0]! });
    expect(again.status).toBe(404);
    expect(again.text).toContain('invalid, was already used, revoked or has expired');
  });

  it('signed out: asks to sign in and accepts nothing', async () => {
    const { email, token } = await invited();
    const page = await api('GET', `/accept-invitation?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('href="/login');
    expect(page.text).not.toContain('Accept the invitation');
    const post1 = await post('/accept-invitation', { token });
    expect(post1.text).toContain('Sign in with the invited email address');
    await createUser({ email });
    expect(await memberships(email)).toEqual([]);
  });

  it("refuses another account, a stale cookie and another site's form", async () => {
    const { email, token } = await invited();
    const stranger = await pageSession(uniqueEmail('page-stranger'));
    const wrong = await post('/accept-invitation', { token }, { Cookie: stranger });
    expect(wrong.status).toBe(403);
    expect(wrong.text).toContain('sent to another email address');

    const stale = await post(
      '/accept-invitation',
      { token },
      { Cookie: `__Host-refresh=${crypto.randomUUID()}.${'A'.repeat(43)}` },
    );
    expect(stale.status).toBe(401);
    expect(stale.text).toContain('Sign in again');

    const cookie = await pageSession(email);
    const csrf = await post(
      '/accept-invitation',
      { token },
      { Cookie: cookie, Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    );
    expect(csrf.status).toBe(403);
    expect(await memberships(email)).toEqual([]);
  });
});
