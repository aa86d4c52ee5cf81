import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { api, type ApiResponse } from './helpers';
import { ORIGIN } from './helpers-pages';

// A browser on the admin console in workerd: it holds the hosted pages' refresh cookie (each
// console request rotates it, as pageSession does) and posts the console's forms with the CSRF
// token read from the page, as a browser would.

const COOKIE = '__Host-refresh';

export class ConsoleBrowser {
  constructor(public cookie: string) {}

  /** A browser signed in with this refresh token (from POST /auth/login). */
  static of(user: { refresh_token: string }) {
    return new ConsoleBrowser(user.refresh_token);
  }

  private keep(res: ApiResponse | Response) {
    // The last one counts, as in a browser (a rotation, then a new session: impersonation).
    const set = res.headers
      .getSetCookie()
      .filter((h) => h.startsWith(`${COOKIE}=`))
      .at(-1);
    const value = set?.split(';')[0]!.slice(COOKIE.length + 1);
    if (value !== undefined) this.cookie = value;
  }

  get headers() {
    return { Cookie: `${COOKIE}=${this.cookie}` };
  }

  async get(path: string) {
    const res = await api('GET', path, { headers: this.headers, redirect: 'manual' });
    this.keep(res);
    return res;
  }

  /** The raw response (its body unread), for the streamed export. */
  async fetch(path: string) {
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}${path}`, { headers: this.headers, redirect: 'manual' }),
    );
    this.keep(res);
    return res;
  }

  async post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    const res = await api('POST', path, {
      redirect: 'manual',
      body: new URLSearchParams(fields).toString(),
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Origin: ORIGIN,
        'Sec-Fetch-Site': 'same-origin',
        ...this.headers,
        ...headers,
      },
    });
    this.keep(res);
    return res;
  }

  /** The CSRF token of the forms on a console page (the user page has them). */
  async csrf(path: string) {
    const res = await this.get(path);
    expect(res.status, res.text).toBe(200);
    const token = /name="csrf" value="([^"]+)"/.exec(res.text)?.[1];
    expect(token, 'the page has a form with a CSRF token').toBeDefined();
    return token!;
  }
}
