/**
 * GitHub, Google, Microsoft and Apple at the network edge, with the shapes their documentation
 * gives (token responses, GitHub's user and emails APIs, JWKS), in Node. A test first asks
 * `POST http://social.test/code` for a code that stands for an identity:
 * `{provider, claims?, github?: {user, emails}, code_challenge?, badSignature?}`; the token
 * endpoint then answers that code once: an ID token of `claims` signed with the key the JWKS
 * endpoints publish (or another key), or GitHub's access token for `github`. With
 * `code_challenge` the token request must carry its verifier (PKCE).
 */
import { createHash } from 'node:crypto';
import { decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';

export const SOCIAL_HOSTS = [
  'social.test',
  'github.com',
  'api.github.com',
  'oauth2.googleapis.com',
  'www.googleapis.com',
  'login.microsoftonline.com',
  'appleid.apple.com',
];

interface Entry {
  provider: 'github' | 'google' | 'microsoft' | 'apple';
  claims?: Record<string, unknown>;
  github?: { user: unknown; emails: unknown };
  code_challenge?: string;
  badSignature?: boolean;
}

const entries = new Map<string, Entry>();
const githubTokens = new Map<string, Entry>();
/** What the token endpoints received, for tests of the client's side (Apple's client secret). */
const tokenRequests: Record<string, string>[] = [];

const keys = (async () => {
  const [good, other] = await Promise.all([
    generateKeyPair('RS256', { extractable: true }),
    generateKeyPair('RS256', { extractable: true }),
  ]);
  return {
    good,
    other,
    jwk: { ...(await exportJWK(good.publicKey)), kid: 'social-1', alg: 'RS256', use: 'sig' },
  };
})();

const ISSUERS: Record<string, (claims: Record<string, unknown>) => string> = {
  google: () => 'https://accounts.google.com',
  microsoft: (claims: Record<string, unknown>) =>
    `https://login.microsoftonline.com/${String(claims.tid)}/v2.0`,
  apple: () => 'https://appleid.apple.com',
};

async function idToken(entry: Entry, clientId: string) {
  const { good, other } = await keys;
  const now = Math.floor(Date.now() / 1000);
  const base: Record<string, unknown> = { aud: clientId, iat: now, exp: now + 600 };
  if (entry.provider === 'microsoft') base.tid = '9188040d-6c67-4c5b-b112-36a304b66dad';
  const claims = { ...base, ...entry.claims };
  const iss = ISSUERS[entry.provider]!(claims);
  return new SignJWT({ iss, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'social-1' })
    .sign(entry.badSignature ? other.privateKey : good.privateKey);
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** The client id of a token request: in the body, or in Basic credentials. */
function clientIdOf(request: Request, form: URLSearchParams) {
  const basic = request.headers.get('authorization');
  if (basic?.startsWith('Basic ')) return decodeURIComponent(atob(basic.slice(6)).split(':')[0]!);
  return form.get('client_id') ?? '';
}

async function token(request: Request): Promise<Response> {
  const form = new URLSearchParams(await request.text());
  tokenRequests.push(Object.fromEntries(form));
  const code = form.get('code') ?? '';
  const entry = entries.get(code);
  entries.delete(code);
  const refuse = () => Response.json({ error: 'invalid_grant' }, { status: 400 });
  if (!entry) return refuse();
  if (entry.code_challenge && s256(form.get('code_verifier') ?? '') !== entry.code_challenge)
    return refuse();
  if (entry.provider === 'github') {
    const accessToken = `gho_${crypto.randomUUID()}`;
    githubTokens.set(accessToken, entry);
    return Response.json({
      access_token: accessToken,
      token_type: 'bearer',
      scope: 'read:user,user:email',
    });
  }
  if (entry.provider === 'apple') {
    // Apple's client secret is a JWT (ES256) naming the key: arctic makes it from the .p8 key.
    const header = decodeProtectedHeader(form.get('client_secret') ?? '');
    if (header.alg !== 'ES256' || !header.kid)
      return Response.json({ error: 'invalid_client' }, { status: 400 });
  }
  return Response.json({
    access_token: `at-${crypto.randomUUID()}`,
    token_type: 'Bearer',
    expires_in: 3600,
    id_token: await idToken(entry, clientIdOf(request, form)),
  });
}

function github(request: Request, path: string): Response {
  const entry = githubTokens.get(
    (request.headers.get('authorization') ?? '').replace(/^Bearer /, ''),
  );
  if (!entry?.github) return Response.json({ message: 'Bad credentials' }, { status: 401 });
  if (path === '/user') return Response.json(entry.github.user);
  if (path === '/user/emails') return Response.json(entry.github.emails);
  return new Response('not found', { status: 404 });
}

export async function fakeSocial(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const { hostname: host, pathname: path } = url;
  if (host === 'social.test' && path === '/code') {
    const code = crypto.randomUUID();
    entries.set(code, await request.json());
    return Response.json({ code });
  }
  if (host === 'social.test' && path === '/token-requests') return Response.json(tokenRequests);
  if (host === 'api.github.com') return github(request, path);
  const jwks =
    path === '/oauth2/v3/certs' || path === '/auth/keys' || path.endsWith('/discovery/v2.0/keys');
  if (jwks) return Response.json({ keys: [(await keys).jwk] });
  const isToken =
    path === '/login/oauth/access_token' ||
    path === '/token' ||
    path === '/auth/token' ||
    path.endsWith('/oauth2/v2.0/token');
  if (isToken && request.method === 'POST') return token(request);
  return new Response('not found', { status: 404 });
}
