import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { createAuthClient, type components } from './index.js';

// A browser app's side of edge-auth: sign-up, sign-in (a password or an emailed code; the MFA
// step), sign-out, and an access token kept in memory and refreshed shortly before it expires.
// With the default cookie transport the refresh token never reaches JavaScript: the service
// keeps it in an HttpOnly cookie, and this module only ever holds the short-lived access token.

type Method = components['schemas']['MfaChallenge']['methods'][number];

export type SignInResult =
  | { kind: 'signed_in' }
  | { kind: 'mfa_required'; mfaToken: string; methods: Method[]; expiresIn: number };

/** A refusal of the API, with its contract fields (`error_code`, `detail`). */
export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'AuthError';
  }
}

export interface BrowserAuthOptions {
  /** The auth service's origin, e.g. https://auth.example.com */
  baseUrl: string;
  /**
   * `cookie` (default): the refresh token lives in the service's HttpOnly cookie; the app's
   * origin must be in CORS_ORIGINS. `body`: it is kept in this tab's memory only.
   */
  transport?: 'cookie' | 'body';
  /** Refresh this many seconds before expiry (default: a quarter of the lifetime, at most 60). */
  refreshMarginSeconds?: number;
  /** Name of the cross-tab lock and channel; tabs of one app must share it. */
  channelName?: string;
  fetch?: typeof fetch;
}

interface Current {
  token: string;
  expiresAt: number;
  refreshToken?: string;
}

type Message =
  | { type: 'token'; token: string; expiresAt: number; refreshToken?: string }
  | { type: 'signed_out' }
  | { type: 'refreshing'; at: number };

// The browser APIs used, typed here: the repository compiles without the DOM library.
interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}
interface ChannelLike {
  postMessage(message: Message): void;
  addEventListener(type: 'message', listener: (event: { data: Message }) => void): void;
}
interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
const browser = globalThis as unknown as {
  navigator?: { locks?: LockManagerLike };
  BroadcastChannel?: new (name: string) => ChannelLike;
  sessionStorage?: StorageLike;
  location?: { href: string; assign(url: string): void };
};

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createBrowserAuth(options: BrowserAuthOptions) {
  const transport = options.transport ?? 'cookie';
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const name = options.channelName ?? 'edge-auth';
  const cookie = transport === 'cookie';
  const api = createAuthClient({
    baseUrl: options.baseUrl,
    // The refresh cookie goes along cross-origin only with credentials (CORS allows them for
    // CORS_ORIGINS); the CSRF header makes every such call preflighted.
    fetch: (request) =>
      fetchImpl(request, { credentials: cookie ? 'include' : 'same-origin' } as RequestInit),
    headers: cookie ? { 'X-CSRF-Protection': '1' } : {},
  });
  const query = { transport } as const;

  let current: Current | null = null;
  let inflight: Promise<string | null> | null = null;
  let othersRefreshingAt = 0;
  const channel = browser.BroadcastChannel ? new browser.BroadcastChannel(name) : null;
  channel?.addEventListener('message', ({ data }) => {
    if (data.type === 'token') {
      current = { token: data.token, expiresAt: data.expiresAt, refreshToken: data.refreshToken };
    } else if (data.type === 'signed_out') current = null;
    else if (data.type === 'refreshing') othersRefreshingAt = data.at;
  });

  const margin = (ttlMs: number) =>
    options.refreshMarginSeconds !== undefined
      ? options.refreshMarginSeconds * 1000
      : Math.min(60_000, ttlMs / 4);
  let ttlMs = 900_000;
  const fresh = () => current !== null && current.expiresAt - margin(ttlMs) > Date.now();

  function fail(error: unknown, status: number): never {
    const body = error as Partial<components['schemas']['Error']> | undefined;
    throw new AuthError(status, body?.error_code ?? 'HTTP_ERROR', body?.detail ?? 'Request failed');
  }

  /** Keeps a new token and tells the other tabs (so they need not refresh themselves). */
  function keep(tokens: { access_token: string; expires_in: number; refresh_token?: string }) {
    ttlMs = tokens.expires_in * 1000;
    current = {
      token: tokens.access_token,
      expiresAt: Date.now() + ttlMs,
      refreshToken: tokens.refresh_token ?? current?.refreshToken,
    };
    channel?.postMessage({ type: 'token', ...current });
  }

  async function refreshNow(): Promise<string | null> {
    const refreshToken = current?.refreshToken;
    if (!cookie && !refreshToken) return null;
    const { data, error, response } = await api.POST('/auth/refresh', {
      params: { query },
      ...(cookie ? {} : { body: { refresh_token: refreshToken! } }),
    });
    if (response.status === 401) {
      // The session is over (signed out elsewhere, reuse, expiry): every tab is signed out.
      current = null;
      channel?.postMessage({ type: 'signed_out' });
      return null;
    }
    if (!data) fail(error, response.status);
    keep(data);
    return data.access_token;
  }

  /**
   * One refresh for all the app's tabs: under a Web Lock, a tab that waited finds the token the
   * holder broadcast and does not refresh again. Without Web Locks, a tab announces its
   * refresh on the channel and the others wait briefly for its token. (Two refreshes racing
   * anyway both succeed: the service hands the same successor within its reuse interval.)
   */
  async function refreshShared(): Promise<string | null> {
    const once = async () => (fresh() ? current!.token : refreshNow());
    if (browser.navigator?.locks) return browser.navigator.locks.request(`${name}:refresh`, once);
    if (channel && Date.now() - othersRefreshingAt < 5_000) {
      for (let waited = 0; waited < 5_000 && !fresh(); waited += 100) await sleep(100);
      if (fresh()) return current!.token;
    }
    channel?.postMessage({ type: 'refreshing', at: Date.now() });
    return once();
  }

  /** A valid access token, refreshed first if it expires soon; null when signed out. */
  function getAccessToken(): Promise<string | null> {
    if (fresh()) return Promise.resolve(current!.token);
    inflight ??= refreshShared().finally(() => {
      inflight = null;
    });
    return inflight;
  }

  async function signUp(input: {
    email: string;
    password: string;
    first_name?: string;
    last_name?: string;
    username?: string;
  }) {
    const { data, error, response } = await api.POST('/auth/register', { body: input });
    if (!data) fail(error, response.status);
    return data;
  }

  async function signIn(email: string, password: string): Promise<SignInResult> {
    const { data, error, response } = await api.POST('/auth/login', {
      params: { query },
      body: { email, password },
    });
    if (!data) fail(error, response.status);
    return signedInOr(data);
  }

  /** Tokens are kept; an MFA step is handed to the caller. */
  function signedInOr(
    data:
      | components['schemas']['MfaChallenge']
      | { access_token: string; expires_in: number; refresh_token?: string },
  ): SignInResult {
    if ('mfa_required' in data) {
      const { mfa_token, methods, expires_in } = data;
      return { kind: 'mfa_required', mfaToken: mfa_token, methods, expiresIn: expires_in };
    }
    keep(data);
    return { kind: 'signed_in' };
  }

  /**
   * Emails a sign-in link and a 6-digit code. Always accepted (the answer says nothing about the
   * address); `createAccount` makes an account for a new address where sign-up is open.
   */
  async function startEmailSignIn(
    email: string,
    options: { returnTo?: string; createAccount?: boolean } = {},
  ) {
    const { error, response } = await api.POST('/auth/email/start', {
      body: {
        email,
        ...(options.returnTo !== undefined && { return_to: options.returnTo }),
        ...(options.createAccount !== undefined && { create_account: options.createAccount }),
      },
    });
    if (!response.ok) fail(error, response.status);
  }

  /**
   * Signs in with the emailed code (or the link's token, for an app that opens the link
   * itself); like signIn, it may answer the MFA step.
   */
  async function signInWithEmail(
    input: { email: string; code: string } | { token: string },
  ): Promise<SignInResult> {
    const { data, error, response } = await api.POST('/auth/email/verify', {
      params: { query },
      body: input,
    });
    if (!data) fail(error, response.status);
    if ('mfa_required' in data) {
      const { mfa_token, methods, expires_in } = data;
      return { kind: 'mfa_required', mfaToken: mfa_token, methods, expiresIn: expires_in };
    }
    keep(data);
    return { kind: 'signed_in' };
  }

  /** The second step of signIn: a TOTP, emailed/texted or backup code. */
  async function verifyMfa(mfaToken: string, code: string, methodId?: string) {
    const { data, error, response } = await api.POST('/mfa/verify', {
      params: { query },
      body: { mfa_token: mfaToken, code, ...(methodId ? { method_id: methodId } : {}) },
    });
    if (!data) fail(error, response.status);
    if (!('access_token' in data)) throw new AuthError(500, 'UNEXPECTED', 'No tokens in answer');
    keep(data);
    return { kind: 'signed_in' as const };
  }

  /**
   * Signs in with a passkey: the browser's passkey dialog, or with `autofill` the passkeys the
   * browser offers in a username field marked `autocomplete="username webauthn"` (conditional
   * UI; the promise then waits until the user picks one). Without user verification an account
   * with a second factor answers `mfa_required`, as signIn does.
   */
  async function signInWithPasskey(options: { email?: string; autofill?: boolean } = {}) {
    const started = await api.POST('/auth/passkey/options', {
      body: options.email ? { email: options.email } : {},
    });
    if (!started.data) fail(started.error, started.response.status);
    const { challenge_id, options: optionsJSON } = started.data;
    const response = await startAuthentication({
      optionsJSON: optionsJSON as unknown as Parameters<
        typeof startAuthentication
      >[0]['optionsJSON'],
      useBrowserAutofill: options.autofill ?? false,
    });
    const {
      data,
      error,
      response: res,
    } = await api.POST('/auth/passkey/verify', {
      params: { query },
      body: {
        challenge_id,
        response: { ...response, clientExtensionResults: { ...response.clientExtensionResults } },
      },
    });
    if (!data) fail(error, res.status);
    return signedInOr(data);
  }

  /**
   * Adds a passkey to the signed-in account. The service asks for re-authentication as for a
   * new second factor: a sign-in within 5 minutes, or `password`.
   */
  async function registerPasskey(options: { name?: string; password?: string } = {}) {
    const headers = { Authorization: `Bearer ${(await getAccessToken()) ?? ''}` };
    const started = await api.POST('/passkeys/register/options', {
      headers,
      body: options.password ? { password: options.password } : {},
    });
    if (!started.data) fail(started.error, started.response.status);
    const response = await startRegistration({
      optionsJSON: started.data.options as unknown as Parameters<
        typeof startRegistration
      >[0]['optionsJSON'],
    });
    const {
      data,
      error,
      response: res,
    } = await api.POST('/passkeys/register/verify', {
      headers,
      body: {
        response: { ...response, clientExtensionResults: { ...response.clientExtensionResults } },
        ...(options.name ? { name: options.name } : {}),
      },
    });
    if (!data) fail(error, res.status);
    return data;
  }

  /** Sends an email or SMS code for the MFA step. */
  async function sendMfaCode(mfaToken: string, methodId: string) {
    const { data, error, response } = await api.POST('/mfa/challenge', {
      body: { mfa_token: mfaToken, method_id: methodId },
    });
    if (!data) fail(error, response.status);
    return data;
  }

  const verifierKey = `${name}:provider-verifier`;

  /**
   * Social sign-in: navigates this tab to the provider (through the service's authorize route).
   * A PKCE verifier stays in this tab's sessionStorage, so the login_code the provider's trip
   * ends with is useless to anyone who reads it from the URL; `returnTo` (default: this page)
   * must be on an origin the service allows (APP_URL's or CORS_ORIGINS).
   */
  async function signInWithProvider(provider: string, opts: { returnTo?: string } = {}) {
    const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
    browser.sessionStorage?.setItem(verifierKey, verifier);
    const url = new URL(`/auth/oauth/${encodeURIComponent(provider)}/authorize`, options.baseUrl);
    url.searchParams.set('return_to', opts.returnTo ?? browser.location?.href ?? '');
    url.searchParams.set('code_challenge', base64url(new Uint8Array(digest)));
    browser.location?.assign(url.href);
  }

  /**
   * On the page the provider's trip returns to: exchanges `?login_code=` (with the kept
   * verifier) for a session, or the MFA step. null when the URL holds no login_code; an
   * `?error=` (access_denied, account_exists, …) is thrown as an AuthError with that code.
   */
  async function finishProviderSignIn(
    url: string = browser.location?.href ?? '',
  ): Promise<SignInResult | null> {
    const params = new URL(url).searchParams;
    const refused = params.get('error');
    if (refused) throw new AuthError(401, refused, `The sign-in was refused: ${refused}`);
    const loginCode = params.get('login_code');
    if (!loginCode) return null;
    const verifier = browser.sessionStorage?.getItem(verifierKey) ?? undefined;
    browser.sessionStorage?.removeItem(verifierKey);
    const { data, error, response } = await api.POST('/auth/oauth/exchange', {
      params: { query },
      body: { login_code: loginCode, ...(verifier ? { code_verifier: verifier } : {}) },
    });
    if (!data) fail(error, response.status);
    return signedInOr(data);
  }

  async function signOut() {
    const token = current?.token;
    const refreshToken = current?.refreshToken;
    current = null;
    channel?.postMessage({ type: 'signed_out' });
    const { error, response } = await api.POST('/auth/logout', {
      params: { query },
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      ...(refreshToken && !cookie ? { body: { refresh_token: refreshToken } } : {}),
    });
    // Already signed out (401) is what was asked for.
    if (!response.ok && response.status !== 401) fail(error, response.status);
  }

  /**
   * fetch with the bearer token. A 401 (a token revoked or expired meanwhile) is retried once
   * with a refreshed token when the request can be sent again (no streamed body).
   */
  async function authFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
    const send = async (token: string | null) => {
      const headers = new Headers(init.headers);
      if (token) headers.set('Authorization', `Bearer ${token}`);
      return fetchImpl(input, { ...init, headers });
    };
    const res = await send(await getAccessToken());
    const replayable = init.body === undefined || typeof init.body === 'string';
    if (res.status !== 401 || !replayable || !current) return res;
    current = { ...current, expiresAt: 0 };
    return send(await getAccessToken());
  }

  return {
    signUp,
    signIn,
    startEmailSignIn,
    signInWithEmail,
    signInWithPasskey,
    signInWithProvider,
    finishProviderSignIn,
    registerPasskey,
    verifyMfa,
    sendMfaCode,
    signOut,
    getAccessToken,
    fetch: authFetch,
    /** Whether this tab holds an access token (it may still need a refresh). */
    get signedIn() {
      return current !== null;
    },
    /** The typed client underneath, for every other route. */
    api,
  };
}

export type BrowserAuth = ReturnType<typeof createBrowserAuth>;
