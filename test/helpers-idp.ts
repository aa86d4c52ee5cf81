import * as oidc from 'openid-client';
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { api, createUser, env } from './helpers';

/** The identity provider's issuer in the tests (JWT_ISSUER, scripts/dev-values.mjs). */
export const ISSUER = (env as unknown as { JWT_ISSUER: string }).JWT_ISSUER;

/** openid-client's requests go to the worker's real fetch handler, not the network. */
const workerFetch: oidc.CustomFetch = (url, options) =>
  exports.default.fetch(new Request(url, options));

/** openid-client as a relying party of this worker: discovery through the worker itself. */
export async function discoverIdp(
  clientId = 'discovery-only',
  metadata?: Partial<oidc.ClientMetadata>,
  auth?: oidc.ClientAuth,
) {
  return oidc.discovery(new URL(ISSUER), clientId, metadata, auth, {
    [oidc.customFetch]: workerFetch,
    // The tests' issuer is http://localhost:8787 (the development value).
    execute: [oidc.allowInsecureRequests],
  });
}

export { oidc };

/** Registers a client through the admin API; the answer carries the one-time secret. */
export async function registerClient(adminToken: string, body: Record<string, unknown> = {}) {
  const res = await api('POST', '/admin/oauth/clients', {
    token: adminToken,
    json: { name: 'Example app', redirect_uris: [RP_REDIRECT], ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as {
    client_id: string;
    client_secret: string | null;
    [field: string]: unknown;
  };
}

/** The relying party's callback in the tests. */
export const RP_REDIRECT = 'https://rp.example/callback';

/**
 * A browser on this worker's hosted pages: follows nothing by itself (each answer is checked),
 * keeps the refresh cookie the pages set, and posts forms as a page of this origin would.
 */
export class Browser {
  cookie: string | null = null;

  async go(url: string, form?: Record<string, string>, override: Record<string, string> = {}) {
    const target = new URL(url, ISSUER);
    const headers = new Headers();
    if (this.cookie) headers.set('Cookie', this.cookie);
    if (form) {
      headers.set('Content-Type', 'application/x-www-form-urlencoded');
      headers.set('Origin', new URL(ISSUER).origin);
      headers.set('Sec-Fetch-Site', 'same-origin');
    }
    for (const [name, value] of Object.entries(override)) headers.set(name, value);
    const res = await exports.default.fetch(
      new Request(target, {
        method: form ? 'POST' : 'GET',
        headers,
        body: form ? new URLSearchParams(form).toString() : undefined,
        redirect: 'manual',
      }),
    );
    const set = res.headers.getSetCookie().find((h) => h.startsWith('__Host-refresh='));
    if (set) this.cookie = set.split(';')[0]!;
    return {
      status: res.status,
      location: res.headers.get('Location'),
      csp: res.headers.get('Content-Security-Policy') ?? '',
      text: await res.text(),
    };
  }
}

/** An authorization request as openid-client builds it, with what the RP keeps to check it. */
export async function authorizationRequest(
  config: oidc.Configuration,
  extra: Record<string, string> = {},
) {
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: RP_REDIRECT,
    scope: 'openid email profile offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    state,
    ...extra,
  });
  return { url, verifier, nonce, state };
}

/**
 * Through the hosted pages from the authorization URL to the redirect with a code: signs in
 * (when the browser is not yet) and allows the consent page (when it shows). Returns the URL
 * the browser is sent back to.
 */
export async function throughPages(
  browser: Browser,
  url: URL,
  user: { email: string; password: string },
) {
  let res = await browser.go(url.href);
  if (res.status === 302 && res.location!.startsWith('/login')) {
    const returnTo = new URL(res.location!, ISSUER).searchParams.get('return_to')!;
    const login = await browser.go('/login', {
      email: user.email,
      password: user.password,
      return_to: returnTo,
    });
    expect(login.status, login.text.slice(0, 500)).toBe(303);
    expect(login.location).toBe(returnTo);
    res = await browser.go(returnTo);
  }
  if (res.status === 200) {
    expect(res.text).toContain('wants to use your account');
    const form = Object.fromEntries(new URL(url).searchParams);
    delete form.prompt;
    res = await browser.go('/oauth/authorize', { ...form, decision: 'allow' });
    expect(res.status, res.text.slice(0, 500)).toBe(303);
  } else {
    expect(res.status, res.text.slice(0, 500)).toBe(302);
  }
  return new URL(res.location!);
}

/** A form post to one of the OAuth endpoints, as a relying party's server sends it. */
export async function oauthPost(
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const res = await exports.default.fetch(
    new Request(new URL(path, ISSUER), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    }),
  );
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body, text };
}

export const basicAuth = (id: string, secret: string) => ({
  Authorization: `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`,
});

/**
 * A code for `client` and a fresh user (signed in and consenting through the pages), with the
 * PKCE verifier and redirect URI the token request needs.
 */
export async function codeFor(
  client: { client_id: string },
  scope = 'openid email offline_access',
  extra: Record<string, string> = {},
) {
  const config = await discoverIdp(client.client_id);
  const user = await createUser();
  const browser = new Browser();
  const req = await authorizationRequest(config, { scope, ...extra });
  const back = await throughPages(browser, req.url, user);
  return {
    code: back.searchParams.get('code')!,
    verifier: req.verifier,
    user,
    browser,
    config,
  };
}
