/**
 * The OpenID providers of the federated sign-in tests, answering at the network edge
 * (test/fake-provider.ts dispatches by hostname), in Node:
 *
 * - `oidc.test`: the reference implementation, `oidc-provider`, started on loopback at the
 *   first request. `POST /test/drive {url, account}` plays the user's browser through it: it
 *   opens the authorization URL the worker built, signs in as `account` (a subject, an email and
 *   whether it is verified) and grants consent, and answers with the provider's redirect back
 *   (`{location}`), which the test then opens at the worker's callback.
 * - `idp.test`: a hand-made issuer for what oidc-provider will not do: ID tokens with a wrong
 *   iss, aud, nonce, an expired one, a bad signature, an `amr`. `POST /test/code {claims,
 *   badSignature?}` returns a code whose token response carries that ID token.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { fakeSocial, SOCIAL_HOSTS } from './fake-social.ts';

const OIDC_HOST = 'oidc.test';
const IDP_HOST = 'idp.test';
const OIDC_CLIENT = { id: 'edge-auth-test', secret: 'oidc-test-secret-value' };
/** The worker's redirect URIs: JWT_ISSUER (development) + /auth/oauth/{id}/callback. */
const REDIRECT_URIS = ['oidc', 'oidc_public', 'oidc_mfa', 'handmade', 'handmade_mfa'].map(
  (id) => `http://localhost:8787/auth/oauth/${id}/callback`,
);

interface Account {
  sub: string;
  email: string;
  email_verified: boolean;
}
const accounts = new Map<string, Account>();

let started: Promise<string> | undefined;

/** Starts oidc-provider on loopback once; resolves to its base URL. */
function startOidcProvider(): Promise<string> {
  started ??= (async () => {
    const { default: Provider } = await import('oidc-provider');
    const provider = new Provider(`http://${OIDC_HOST}`, {
      clients: [
        {
          client_id: OIDC_CLIENT.id,
          client_secret: OIDC_CLIENT.secret,
          redirect_uris: REDIRECT_URIS,
          token_endpoint_auth_method: 'client_secret_post',
        },
        {
          client_id: 'edge-auth-public',
          redirect_uris: REDIRECT_URIS,
          token_endpoint_auth_method: 'none',
        },
      ],
      claims: { openid: ['sub'], email: ['email', 'email_verified'] },
      findAccount: (_ctx: unknown, id: string) => {
        const account = accounts.get(id);
        return account && { accountId: id, claims: () => ({ ...account }) };
      },
      interactions: { url: (_ctx: unknown, i: { uid: string }) => `/interaction/${i.uid}` },
      features: { devInteractions: { enabled: false } },
      cookies: { keys: ['fake-oidc-cookie-key'] },
    });
    const callback = provider.callback();
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith('/interaction/')) {
        // The user signs in as the account the authorization request names in login_hint, and
        // consents to every scope asked.
        void (async () => {
          const details = await provider.interactionDetails(req, res);
          const accountId = String(details.params.login_hint);
          const grant = new provider.Grant({
            accountId,
            clientId: String(details.params.client_id),
          });
          grant.addOIDCScope(String(details.params.scope));
          const grantId = await grant.save();
          await provider.interactionFinished(
            req,
            res,
            { login: { accountId }, consent: { grantId } },
            { mergeWithLastSubmission: false },
          );
        })().catch((err: unknown) => {
          res.statusCode = 500;
          res.end(String(err));
        });
        return;
      }
      void callback(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.unref();
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  })();
  return started;
}

/**
 * Forwards a request to the loopback server as if it had reached http://oidc.test: with that
 * Host, since oidc-provider builds its endpoints' URLs from the Host it is reached at.
 */
async function forward(base: string, request: Request | { url: string; cookie?: string }) {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  let method = 'GET';
  let body: string | undefined;
  // Miniflare's Request is another realm's class: told apart by shape, not instanceof.
  if ('method' in request) {
    request.headers.forEach((v, k) => (headers[k] = v));
    method = request.method;
    if (!['GET', 'HEAD'].includes(method)) body = await request.text();
  } else if (request.cookie) headers.cookie = request.cookie;
  headers.host = OIDC_HOST;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise<Response>((resolve, reject) => {
    const req = httpRequest(`${base}${url.pathname}${url.search}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) out.append(k, one);
        }
        const status = res.statusCode ?? 500;
        const content = [204, 304].includes(status) ? null : Buffer.concat(chunks);
        resolve(new Response(content, { status, headers: out }));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Plays the browser: follows the redirects with a cookie jar until the worker's callback. */
async function drive(base: string, body: { url: string; account: Account }) {
  accounts.set(body.account.sub, body.account);
  const jar = new Map<string, string>();
  let next = new URL(body.url);
  next.searchParams.set('login_hint', body.account.sub);
  for (let hop = 0; hop < 10; hop++) {
    if (next.host !== OIDC_HOST) return Response.json({ location: next.href });
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await forward(base, { url: next.href, cookie });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const location = res.headers.get('location');
    if (!location) return Response.json({ error: await res.text() }, { status: 500 });
    next = new URL(location, `http://${OIDC_HOST}`);
    // oidc-provider builds some redirects from the Host it was reached at (loopback).
    if (next.origin === base)
      next = new URL(`${next.pathname}${next.search}`, `http://${OIDC_HOST}`);
  }
  return Response.json({ error: 'too many redirects' }, { status: 500 });
}

async function fakeOidc(request: Request): Promise<Response> {
  const base = await startOidcProvider();
  const url = new URL(request.url);
  if (url.pathname === '/test/drive') return drive(base, await request.json());
  return forward(base, request);
}

// The hand-made issuer.

const keys = (async () => {
  const [good, other] = await Promise.all([
    generateKeyPair('RS256', { extractable: true }),
    generateKeyPair('RS256', { extractable: true }),
  ]);
  return { good, other, jwk: { ...(await exportJWK(good.publicKey)), kid: 'k1', alg: 'RS256' } };
})();

const codes = new Map<string, { claims: Record<string, unknown>; badSignature: boolean }>();

const idp = `http://${IDP_HOST}`;

async function sign(claims: Record<string, unknown>, key: CryptoKey) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat: now, exp: now + 300, iss: idp, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .sign(key);
}

async function fakeIdp(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const { good, other, jwk } = await keys;
  switch (url.pathname) {
    case '/.well-known/openid-configuration':
      return Response.json({
        issuer: idp,
        authorization_endpoint: `${idp}/authorize`,
        token_endpoint: `${idp}/token`,
        jwks_uri: `${idp}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    case '/jwks':
      return Response.json({ keys: [jwk] });
    case '/test/code': {
      const body = await request.json<{
        claims: Record<string, unknown>;
        badSignature?: boolean;
      }>();
      const code = crypto.randomUUID();
      codes.set(code, { claims: body.claims, badSignature: body.badSignature === true });
      return Response.json({ code });
    }
    case '/token': {
      const form = new URLSearchParams(await request.text());
      const entry = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!entry) return Response.json({ error: 'invalid_grant' }, { status: 400 });
      const claims = { aud: form.get('client_id'), ...entry.claims };
      const id_token = await sign(claims, entry.badSignature ? other.privateKey : good.privateKey);
      return Response.json({ access_token: 'at', token_type: 'Bearer', expires_in: 60, id_token });
    }
    default:
      return new Response('not found', { status: 404 });
  }
}

/** The hosts answered here and in fake-social.ts (one dispatch line in fake-provider.ts). */
export const FEDERATION_HOSTS = new Set([OIDC_HOST, IDP_HOST, ...SOCIAL_HOSTS]);

export function fakeFederation(request: Request) {
  const host = new URL(request.url).hostname;
  if (host === OIDC_HOST) return fakeOidc(request);
  if (host === IDP_HOST) return fakeIdp(request);
  return fakeSocial(request);
}
