import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { api, uniqueEmail, useVarsForThisFile } from './helpers';
import { createVerifiedUser } from './helpers-orgs';
import { authorize, callback, exchange, loginCodeOf, RETURN_TO } from './helpers-oauth';

// Apple's client secret is a .p8 key (PKCS#8, P-256): made here, as a deployment's secret.
const appleKey = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
  'sign',
  'verify',
])) as CryptoKeyPair;
const pkcs8 = new Uint8Array(
  (await crypto.subtle.exportKey('pkcs8', appleKey.privateKey)) as ArrayBuffer,
);
const applePem = `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...pkcs8))}\n-----END PRIVATE KEY-----`;

useVarsForThisFile({
  OAUTH_PROVIDERS: JSON.stringify([
    { id: 'github', type: 'github', client_id: 'github-client' },
    { id: 'google', type: 'google', client_id: 'google-client' },
    { id: 'microsoft', type: 'microsoft', client_id: 'microsoft-client' },
    { id: 'apple', type: 'apple', client_id: 'apple-client', team_id: 'TEAM1', key_id: 'KEY1' },
  ]),
  OAUTH_GITHUB_CLIENT_SECRET: 'github-secret',
  OAUTH_GOOGLE_CLIENT_SECRET: 'google-secret',
  OAUTH_MICROSOFT_CLIENT_SECRET: 'microsoft-secret',
  OAUTH_APPLE_CLIENT_SECRET: applePem,
});

/** A code at the fake provider standing for an identity (test/fake-social.ts). */
async function codeFor(provider: string, body: Record<string, unknown>) {
  const res = await fetch('http://social.test/code', {
    method: 'POST',
    body: JSON.stringify({ provider, ...body }),
  });
  return (await res.json<{ code: string }>()).code;
}

/** authorize → the provider's code for `body` (with our nonce and PKCE challenge) → callback. */
async function signInAt(provider: string, body: Record<string, unknown>) {
  const url = await authorize(provider);
  const claims = body.claims as Record<string, unknown> | undefined;
  const code = await codeFor(provider, {
    ...body,
    ...(claims ? { claims: { nonce: url.searchParams.get('nonce'), ...claims } } : {}),
    code_challenge: url.searchParams.get('code_challenge') ?? undefined,
  });
  const state = url.searchParams.get('state')!;
  return callback(`http://auth.test/auth/oauth/${provider}/callback?code=${code}&state=${state}`);
}

const signedInEmail = async (back: URL) => {
  const res = await exchange(loginCodeOf(back));
  expect(res.status, res.text).toBe(200);
  expect(decodeJwt(res.body.access_token).amr).toEqual(['fed']);
  const me = await api('GET', '/auth/me', { token: res.body.access_token });
  return me.body as { email: string; email_verified: boolean };
};

describe('GitHub (no ID token: the user and emails APIs)', () => {
  const githubUser = (email: string, verified = true) => ({
    github: {
      user: { id: Math.floor(Math.random() * 1e9), login: 'octocat', email: null },
      emails: [
        { email: `other-${email}`, primary: false, verified: true, visibility: null },
        { email, primary: true, verified, visibility: 'private' },
      ],
    },
  });

  it('signs in with the primary verified address', async () => {
    const email = uniqueEmail('github');
    const url = await authorize('github');
    expect(url.origin).toBe('https://github.com');
    expect(url.searchParams.get('scope')).toBe('read:user user:email');
    const me = await signedInEmail(await signInAt('github', githubUser(email)));
    expect(me).toMatchObject({ email, email_verified: true });
  });

  it('refuses an account without a verified primary address: email_required', async () => {
    const back = await signInAt('github', githubUser(uniqueEmail('github'), false));
    expect(back.searchParams.get('error')).toBe('email_required');
  });
});

describe('Google (ID token verified with jose against the JWKS)', () => {
  const google = (claims: Record<string, unknown> = {}) => ({
    claims: {
      sub: crypto.randomUUID(),
      email: uniqueEmail('google'),
      email_verified: true,
      ...claims,
    },
  });

  it('signs in with PKCE and a verified ID token', async () => {
    const url = await authorize('google');
    expect(url.origin).toBe('https://accounts.google.com');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const body = google();
    const me = await signedInEmail(await signInAt('google', body));
    expect(me).toMatchObject({ email: body.claims.email, email_verified: true });
  });

  it.each([
    ['a wrong nonce', { nonce: 'replayed' }, false],
    ['a wrong aud', { aud: 'another-app' }, false],
    ['a wrong iss', { iss: 'https://evil.example' }, false],
    ['an expired one', { exp: Math.floor(Date.now() / 1000) - 60 }, false],
    ['a bad signature', {}, true],
  ])('refuses an ID token with %s: invalid_id_token', async (_, claims, badSignature) => {
    const back = await signInAt('google', { ...google(claims), badSignature });
    expect(back.searchParams.get('error'), back.href).toBe('invalid_id_token');
  });
});

describe('Microsoft', () => {
  it('signs in; its email is not proof of the mailbox, so an existing account is not joined', async () => {
    const claims = { sub: crypto.randomUUID(), email: uniqueEmail('entra') };
    const me = await signedInEmail(await signInAt('microsoft', { claims }));
    expect(me).toMatchObject({ email: claims.email, email_verified: false });
    const user = await createVerifiedUser();
    const back = await signInAt('microsoft', {
      claims: { sub: crypto.randomUUID(), email: user.email },
    });
    expect(back.searchParams.get('error')).toBe('account_exists');
  });
});

describe('Apple (form_post callback)', () => {
  it('asks for form_post and signs in through the posted callback', async () => {
    const url = await authorize('apple');
    expect(url.origin).toBe('https://appleid.apple.com');
    expect(url.searchParams.get('response_mode')).toBe('form_post');
    const email = uniqueEmail('apple');
    const code = await codeFor('apple', {
      claims: {
        sub: crypto.randomUUID(),
        email,
        email_verified: 'true',
        nonce: url.searchParams.get('nonce'),
      },
    });
    const form = new URLSearchParams({ code, state: url.searchParams.get('state')! });
    const res = await api('POST', '/auth/oauth/apple/callback', {
      body: form.toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    });
    expect(res.status, res.text).toBe(303);
    const back = new URL(res.headers.get('Location')!);
    expect(`${back.origin}${back.pathname}`).toBe(RETURN_TO);
    const me = await signedInEmail(back);
    expect(me).toMatchObject({ email, email_verified: true });
  });
});
