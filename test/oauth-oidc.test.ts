import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { api, expectError } from './helpers';
import {
  authorize,
  callback,
  exchange,
  loginCodeOf,
  newAccount,
  RETURN_TO,
  signInVia,
  useTestProviders,
  viaHandmade,
  viaOidc,
} from './helpers-oauth';

useTestProviders();

const S256 = async (verifier: string) => {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return btoa(String.fromCharCode(...new Uint8Array(digest)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
};

describe('providers and authorize', () => {
  it('lists the configured providers with their names', async () => {
    const res = await api('GET', '/auth/oauth/providers');
    expect(res.status).toBe(200);
    expect(res.body.items).toContainEqual({ id: 'oidc', type: 'oidc', name: 'Test OpenID' });
    expect(res.body.items).toContainEqual({ id: 'handmade', type: 'oidc', name: 'handmade' });
  });

  it('redirects to the issuer with state, nonce and an S256 challenge', async () => {
    const url = await authorize('oidc');
    expect(url.origin).toBe('http://oidc.test');
    expect(url.searchParams.get('client_id')).toBe('edge-auth-test');
    expect(url.searchParams.get('redirect_uri')).toBe(
      'http://localhost:8787/auth/oauth/oidc/callback',
    );
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{40,}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{40,}$/);
  });

  it('answers 404 for an unknown provider', async () => {
    const res = await api('GET', '/auth/oauth/nobody/authorize');
    expectError(res, 404, 'NOT_FOUND');
  });
});

describe('a sign-in through oidc-provider', () => {
  it('creates a verified account without a password, then signs into the same one', async () => {
    const account = newAccount();
    const tokens = await signInVia(account);
    const claims = decodeJwt(tokens.access_token);
    expect(claims.amr).toEqual(['fed']);
    const me = await api('GET', '/auth/me', { token: tokens.access_token });
    expect(me.status, me.text).toBe(200);
    expect(me.body.email).toBe(account.email);
    expect(me.body.email_verified).toBe(true);
    // No password was set: none works.
    const login = await api('POST', '/auth/login', {
      json: { email: account.email, password: '$none$' },
    });
    expectError(login, 401, 'INVALID_CREDENTIALS');
    const again = decodeJwt((await signInVia(account)).access_token);
    expect(again.sub).toBe(claims.sub);
    const listed = await api('GET', '/auth/identities', { token: tokens.access_token });
    expect(listed.body.items).toEqual([
      expect.objectContaining({ provider: 'oidc', subject: account.sub, email: account.email }),
    ]);
  });

  it('works for a public client (PKCE alone)', async () => {
    const back = await viaOidc(newAccount(), { return_to: RETURN_TO }, 'oidc_public');
    const res = await exchange(loginCodeOf(back));
    expect(res.status, res.text).toBe(200);
  });

  it('keys the identity on sub: a changed email still signs into the same account', async () => {
    const account = newAccount();
    const first = decodeJwt((await signInVia(account)).access_token);
    const renamed = { ...account, email: `renamed-${account.email}` };
    const second = decodeJwt((await signInVia(renamed)).access_token);
    expect(second.sub).toBe(first.sub);
  });

  it('binds the login_code to the frontend’s code_challenge', async () => {
    const verifier = 'v'.repeat(20) + crypto.randomUUID().replace(/-/g, '');
    const query = { return_to: RETURN_TO, code_challenge: await S256(verifier) };
    const leaked = loginCodeOf(await viaOidc(newAccount(), query));
    expectError(await exchange(leaked), 401, 'INVALID_TOKEN');
    // The failed try used the code up.
    expectError(await exchange(leaked, verifier), 401, 'INVALID_TOKEN');
    const wrong = loginCodeOf(await viaOidc(newAccount(), query));
    expectError(await exchange(wrong, 'w'.repeat(43)), 401, 'INVALID_TOKEN');
    const right = loginCodeOf(await viaOidc(newAccount(), query));
    const res = await exchange(right, verifier);
    expect(res.status, res.text).toBe(200);
  });
});

describe('refusals', () => {
  it('refuses a login_code used twice, and an unknown one', async () => {
    const code = loginCodeOf(await viaOidc(newAccount()));
    expect((await exchange(code)).status).toBe(200);
    expectError(await exchange(code), 401, 'INVALID_TOKEN');
    expectError(await exchange('x'.repeat(43)), 401, 'INVALID_TOKEN');
  });

  it('lets exactly one of parallel exchanges of one login_code succeed', async () => {
    const code = loginCodeOf(await viaOidc(newAccount()));
    const results = await Promise.all(Array.from({ length: 6 }, () => exchange(code)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401, 401]);
  });

  it('sends a missing, unknown or reused state to the default page with invalid_state', async () => {
    const missing = await callback('http://auth.test/auth/oauth/oidc/callback?code=abc');
    expect(missing.href).toBe('http://localhost:3000/?error=invalid_state');
    const unknown = await callback(
      'http://auth.test/auth/oauth/oidc/callback?code=abc&state=' + 'a'.repeat(43),
    );
    expect(unknown.searchParams.get('error')).toBe('invalid_state');
    const url = await authorize('oidc');
    const state = url.searchParams.get('state')!;
    const denied = await callback(
      `http://auth.test/auth/oauth/oidc/callback?state=${state}&error=access_denied`,
    );
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(`${denied.origin}${denied.pathname}`).toBe(RETURN_TO);
    const reused = await callback(
      `http://auth.test/auth/oauth/oidc/callback?state=${state}&code=abc`,
    );
    expect(reused.href).toBe('http://localhost:3000/?error=invalid_state');
  });

  it('refuses a state used at another provider’s callback', async () => {
    const state = (await authorize('oidc')).searchParams.get('state')!;
    const back = await callback(
      `http://auth.test/auth/oauth/handmade/callback?state=${state}&code=abc`,
    );
    expect(back.searchParams.get('error')).toBe('invalid_state');
  });

  it('sends a return_to outside the allowlist to the default page', async () => {
    for (const return_to of ['https://evil.example/steal', 'http://localhost:3000@evil.example/']) {
      const back = await viaOidc(newAccount(), { return_to });
      expect(`${back.origin}${back.pathname}`).toBe('http://localhost:3000/');
      expect(back.searchParams.get('login_code')).toBeTruthy();
    }
  });

  const base = () => ({ sub: crypto.randomUUID(), email: 'x@example.com', email_verified: true });
  const now = () => Math.floor(Date.now() / 1000);
  it.each([
    ['a wrong iss', { iss: 'http://other.test' }],
    ['a wrong aud', { aud: 'someone-else' }],
    ['a wrong nonce', { nonce: 'not-the-nonce' }],
    ['an expired one', { iat: now() - 3600, exp: now() - 1800 }],
  ])('refuses an ID token with %s: invalid_id_token, no account', async (_, claims) => {
    const identity = { ...base(), ...claims };
    const back = await viaHandmade(identity);
    expect(back.searchParams.get('error'), back.href).toBe('invalid_id_token');
    expect(back.searchParams.get('login_code')).toBeNull();
  });

  it('refuses an ID token with a bad signature', async () => {
    const back = await viaHandmade(base(), { badSignature: true });
    expect(back.searchParams.get('error'), back.href).toBe('invalid_id_token');
  });

  it('accepts the hand-made issuer’s well-formed token (the refusals above are the claims)', async () => {
    const back = await viaHandmade({ ...base(), email: `ok-${crypto.randomUUID()}@example.com` });
    expect((await exchange(loginCodeOf(back))).status).toBe(200);
  });
});
