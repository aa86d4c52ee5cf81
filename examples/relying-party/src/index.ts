// A second Worker that signs its users in through edge-auth, the way any app would: OpenID
// Connect with openid-client (discovery, the code flow with PKCE, ID-token validation). It keeps
// the flow's state and then the signed-in user in HMAC-signed HttpOnly cookies; a real app would
// keep its own session. Tested beside the worker in test/idp-relying-party.test.ts.
import * as client from 'openid-client';

export interface Env {
  /** edge-auth's public URL (its JWT_ISSUER). */
  AUTH_URL: string;
  CLIENT_ID: string;
  CLIENT_SECRET: string;
  /** This app's callback, registered with the client exactly. */
  REDIRECT_URI: string;
  /** ≥ 32 random characters: signs this app's cookies. */
  COOKIE_SECRET: string;
  /** Optional: a service binding to edge-auth, used instead of the public URL (tests, same account). */
  AUTH?: Fetcher;
}

const FLOW = 'rp_flow';
const SESSION = 'rp_session';

let discovered: { key: string; config: Promise<client.Configuration> } | undefined;

/** Discovery once per isolate (and per configuration). */
function configOf(env: Env) {
  const key = `${env.AUTH_URL} ${env.CLIENT_ID}`;
  if (discovered?.key !== key) {
    const options: client.DiscoveryRequestOptions = {};
    if (env.AUTH) {
      const auth = env.AUTH;
      options[client.customFetch] = (url, init) =>
        auth.fetch(new Request(url, init as RequestInit));
    }
    // http only for a local edge-auth (npm run dev).
    if (env.AUTH_URL.startsWith('http://')) options.execute = [client.allowInsecureRequests];
    const config = client
      .discovery(
        new URL(env.AUTH_URL),
        env.CLIENT_ID,
        undefined,
        // The method the client was registered with (the admin API's default).
        client.ClientSecretBasic(env.CLIENT_SECRET),
        options,
      )
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    discovered = { key, config };
  }
  return discovered.config;
}

const b64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

async function hmac(env: Env, text: string) {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(env.COOKIE_SECRET),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return b64url(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text)));
}

async function seal(env: Env, value: unknown) {
  const body = b64url(new TextEncoder().encode(JSON.stringify(value)));
  return `${body}.${await hmac(env, body)}`;
}

async function unseal<T>(env: Env, sealed: string | undefined): Promise<T | null> {
  const [body, mac] = sealed?.split('.') ?? [];
  if (!body || !mac || (await hmac(env, body)) !== mac) return null;
  const bytes = Uint8Array.from(atob(body.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
    c.charCodeAt(0),
  );
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
}

const cookieOf = (request: Request, name: string) =>
  request.headers
    .get('Cookie')
    ?.split(';')
    .map((c) => c.trim().split('='))
    .find(([k]) => k === name)?.[1];

const setCookie = (name: string, value: string, maxAge: number) =>
  `${name}=${value}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${maxAge}`;

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (body: string) =>
  new Response(`<!doctype html><meta charset="utf-8"><title>Example app</title>${body}`, {
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
  });

interface Flow {
  verifier: string;
  state: string;
  nonce: string;
}

async function handle(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/login') {
    const config = await configOf(env);
    const flow: Flow = {
      verifier: client.randomPKCECodeVerifier(),
      state: client.randomState(),
      nonce: client.randomNonce(),
    };
    const to = client.buildAuthorizationUrl(config, {
      redirect_uri: env.REDIRECT_URI,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    return new Response(null, {
      status: 302,
      headers: { Location: to.href, 'Set-Cookie': setCookie(FLOW, await seal(env, flow), 600) },
    });
  }
  if (url.pathname === new URL(env.REDIRECT_URI).pathname) {
    const flow = await unseal<Flow>(env, cookieOf(request, FLOW));
    if (!flow) return page('<p>This sign-in has expired. <a href="/login">Sign in</a></p>');
    const config = await configOf(env);
    const tokens = await client.authorizationCodeGrant(config, url, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    const claims = tokens.claims()!;
    const user = { sub: claims.sub, email: typeof claims.email === 'string' ? claims.email : '' };
    const headers = new Headers({ Location: '/' });
    headers.append('Set-Cookie', setCookie(FLOW, '', 0));
    headers.append('Set-Cookie', setCookie(SESSION, await seal(env, user), 3600));
    return new Response(null, { status: 302, headers });
  }
  if (url.pathname === '/') {
    const user = await unseal<{ sub: string; email: string }>(env, cookieOf(request, SESSION));
    return user
      ? page(`<p id="signed-in">Signed in as ${escape(user.email)}</p>`)
      : page('<p><a id="sign-in" href="/login">Sign in</a></p>');
  }
  return new Response('Not found', { status: 404 });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      return await handle(request, env);
    } catch (err) {
      // A refused code or ID token: openid-client says why; the user may simply try again.
      console.error('sign-in failed', err instanceof Error ? err.message : err);
      return page('<p>Sign-in failed. <a href="/login">Try again</a></p>');
    }
  },
};
