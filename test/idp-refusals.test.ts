import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, createUser, env } from './helpers';
import { createSignedInAdmin } from './helpers-admin';
import {
  authorizationRequest,
  basicAuth,
  Browser,
  codeFor,
  discoverIdp,
  ISSUER,
  oauthPost,
  registerClient,
  RP_REDIRECT,
} from './helpers-idp';

// Every refusal of the identity provider, tried through HTTP the way an attacker or a broken
// relying party would: the error page or the redirect with `error`, and the RFC 6749 bodies.

const admin = await createSignedInAdmin();
const client = await registerClient(admin.access_token);
const other = await registerClient(admin.access_token);

const codeRequest = (c: { code: string; verifier: string }, extra: Record<string, string> = {}) =>
  oauthPost(
    '/oauth/token',
    {
      grant_type: 'authorization_code',
      code: c.code,
      code_verifier: c.verifier,
      redirect_uri: RP_REDIRECT,
      ...extra,
    },
    basicAuth(client.client_id, client.client_secret!),
  );

const expectOAuthError = (
  res: { status: number; body: any; headers: Headers },
  status: number,
  error: string,
) => {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error).toBe(error);
  expect(typeof res.body.error_description).toBe('string');
  expect(res.body).not.toHaveProperty('error_code');
  expect(res.headers.get('Cache-Control')).toContain('no-store');
};

async function authorizeWith(params: Record<string, string | null>, cookie?: string | null) {
  const config = await discoverIdp(client.client_id);
  const { url } = await authorizationRequest(config, { state: 'st-1' });
  for (const [k, v] of Object.entries(params)) {
    if (v === null) url.searchParams.delete(k);
    else url.searchParams.set(k, v);
  }
  const browser = new Browser();
  browser.cookie = cookie ?? null;
  return browser.go(url.href);
}

const errorOf = (location: string | null) => {
  const url = new URL(location!);
  expect(url.origin + url.pathname).toBe(RP_REDIRECT);
  expect(url.searchParams.get('iss')).toBe(ISSUER);
  return { error: url.searchParams.get('error'), state: url.searchParams.get('state') };
};

describe('/oauth/authorize refusals', () => {
  it('shows an unknown client or an unregistered redirect URI as a page, never a redirect', async () => {
    const cases: Record<string, string | null>[] = [
      { client_id: 'oc_unknown' },
      { redirect_uri: `${RP_REDIRECT}/other` },
      { redirect_uri: `${RP_REDIRECT}?x=1` },
      { redirect_uri: 'https://evil.example/callback' },
      { redirect_uri: null },
    ];
    for (const params of cases) {
      const res = await authorizeWith(params);
      expect(res.status, JSON.stringify(params)).toBe(400);
      expect(res.location).toBeNull();
      expect(res.text).toContain('cannot continue');
      expect(res.text).not.toContain('evil.example');
    }
  });

  it.each([
    ['no code_challenge', { code_challenge: null }, 'invalid_request'],
    ['PKCE plain', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['no method', { code_challenge_method: null }, 'invalid_request'],
    ['response_type token', { response_type: 'token' }, 'unsupported_response_type'],
    ['a scope the client lacks', { scope: 'openid admin' }, 'invalid_scope'],
    ['prompt=none with login', { prompt: 'none login' }, 'invalid_request'],
    ['a resource that is not a URI', { resource: 'edge-auth' }, 'invalid_target'],
    ['signed out with prompt=none', { prompt: 'none' }, 'login_required'],
  ])('sends %s back to the client with error and state', async (_what, params, error) => {
    const res = await authorizeWith(params);
    expect(res.status).toBe(302);
    expect(errorOf(res.location)).toEqual({ error, state: 'st-1' });
  });

  it('prompt=none without consent → consent_required; prompt=login → the sign-in page', async () => {
    const user = await createSignedInUser();
    const cookie = `__Host-refresh=${user.refresh_token}`;
    const none = await authorizeWith({ prompt: 'none' }, cookie);
    expect(errorOf(none.location)).toEqual({ error: 'consent_required', state: 'st-1' });
    const fresh = await createSignedInUser();
    const login = await authorizeWith({ prompt: 'login' }, `__Host-refresh=${fresh.refresh_token}`);
    expect(login.status).toBe(302);
    const back = new URL(new URL(login.location!, ISSUER).searchParams.get('return_to')!);
    expect(back.pathname).toBe('/oauth/authorize');
    expect(back.searchParams.get('prompt')).toBeNull();
    expect(back.searchParams.get('max_age')).toBe('60');
  });

  it('a declined consent → access_denied; a consent form from another site is refused', async () => {
    const user = await createUser();
    const browser = new Browser();
    const config = await discoverIdp(client.client_id);
    const { url } = await authorizationRequest(config, { state: 'st-2' });
    const toLogin = await browser.go(url.href);
    const returnTo = new URL(toLogin.location!, ISSUER).searchParams.get('return_to')!;
    await browser.go('/login', { email: user.email, password: user.password, return_to: returnTo });
    const consent = await browser.go(returnTo);
    expect(consent.status).toBe(200);
    const fields = Object.fromEntries(url.searchParams);
    const cross = await browser.go(
      '/oauth/authorize',
      { ...fields, decision: 'allow' },
      { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    );
    expect(cross.status).toBe(403);
    expect(cross.location).toBeNull();
    const denied = await browser.go('/oauth/authorize', { ...fields, decision: 'deny' });
    expect(denied.status).toBe(303);
    expect(errorOf(denied.location)).toEqual({ error: 'access_denied', state: 'st-2' });
  });
});

describe('/oauth/token refusals', () => {
  it('a wrong verifier, another redirect URI or another client: invalid_grant, and the code is spent', async () => {
    const a = await codeFor(client);
    expectOAuthError(await codeRequest(a, { code_verifier: 'x'.repeat(43) }), 400, 'invalid_grant');
    expectOAuthError(await codeRequest(a), 400, 'invalid_grant');
    const b = await codeFor(client);
    expectOAuthError(
      await codeRequest(b, { redirect_uri: `${RP_REDIRECT}/x` }),
      400,
      'invalid_grant',
    );
    const c = await codeFor(client);
    const stolen = await oauthPost(
      '/oauth/token',
      {
        grant_type: 'authorization_code',
        code: c.code,
        code_verifier: c.verifier,
        redirect_uri: RP_REDIRECT,
      },
      basicAuth(other.client_id, other.client_secret!),
    );
    expectOAuthError(stolen, 400, 'invalid_grant');
    const d = await codeFor(client);
    expectOAuthError(await codeRequest(d, { code_verifier: '' }), 400, 'invalid_grant');
  });

  it('an expired code → invalid_grant', async () => {
    const a = await codeFor(client);
    // Arranged in D1: the code's 60 s are over.
    await env.DB.prepare(
      'UPDATE oauth_codes SET expires_at = ? WHERE used_at IS NULL AND user_id = ?',
    )
      .bind(Date.now() - 1, a.user.id)
      .run();
    expectOAuthError(await codeRequest(a), 400, 'invalid_grant');
  });

  it('a reused code revokes the tokens it issued (RFC 6749 §4.1.2)', async () => {
    const a = await codeFor(client);
    const first = await codeRequest(a);
    expect(first.status, first.text).toBe(200);
    const { access_token } = first.body;
    const info = await api('GET', '/oauth/userinfo', { token: access_token });
    expect(info.status).toBe(200);
    expectOAuthError(await codeRequest(a), 400, 'invalid_grant');
    const after = await api('GET', '/oauth/userinfo', { token: access_token });
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('invalid_token');
    expect(after.headers.get('WWW-Authenticate')).toContain('invalid_token');
  });

  it('two parallel exchanges of one code: exactly one 200', async () => {
    const a = await codeFor(client);
    const answers = await Promise.all([codeRequest(a), codeRequest(a), codeRequest(a)]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400, 400]);
  });

  it('client authentication: a wrong secret, the wrong method, an unknown client → invalid_client', async () => {
    const a = await codeFor(client);
    const form = {
      grant_type: 'authorization_code',
      code: a.code,
      code_verifier: a.verifier,
      redirect_uri: RP_REDIRECT,
    };
    const wrong = await oauthPost('/oauth/token', form, basicAuth(client.client_id, 'ocs_wrong'));
    expectOAuthError(wrong, 401, 'invalid_client');
    expect(wrong.headers.get('WWW-Authenticate')).toContain('Basic');
    // client_secret_post for a client registered with client_secret_basic.
    const post = await oauthPost('/oauth/token', {
      ...form,
      client_id: client.client_id,
      client_secret: client.client_secret!,
    });
    expectOAuthError(post, 401, 'invalid_client');
    // No secret at all (as if public).
    const none = await oauthPost('/oauth/token', { ...form, client_id: client.client_id });
    expectOAuthError(none, 401, 'invalid_client');
    expectOAuthError(
      await oauthPost('/oauth/token', form, basicAuth('oc_nobody', 'x')),
      401,
      'invalid_client',
    );
    // The failed attempts did not spend the code.
    expect((await codeRequest(a)).status).toBe(200);
  });

  it('bad requests: unknown grant type, no grant type, a JSON body', async () => {
    const auth = basicAuth(client.client_id, client.client_secret!);
    expectOAuthError(
      await oauthPost('/oauth/token', { grant_type: 'password' }, auth),
      400,
      'unsupported_grant_type',
    );
    expectOAuthError(await oauthPost('/oauth/token', {}, auth), 400, 'invalid_request');
    const json = await api('POST', '/oauth/token', {
      json: { grant_type: 'authorization_code' },
      headers: auth,
    });
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('invalid_request');
  });

  it('tokens do not cross: the API refuses an OAuth access token, userinfo the API’s', async () => {
    const a = await codeFor(client);
    const { access_token } = (await codeRequest(a)).body;
    expect((await api('GET', '/auth/verify', { token: access_token })).status).toBe(401);
    const user = await createSignedInUser();
    const res = await api('GET', '/oauth/userinfo', { token: user.access_token });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_token');
  });
});
