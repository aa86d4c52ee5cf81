import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { createUser } from './helpers';
import { createSignedInAdmin } from './helpers-admin';
import { emailSignIn } from './helpers-email-sign-in';
import { createMfaUser } from './helpers-mfa';
import {
  authorizationRequest,
  Browser,
  discoverIdp,
  ISSUER,
  oidc,
  registerClient,
  RP_REDIRECT,
  throughPages,
} from './helpers-idp';

const admin = await createSignedInAdmin();

describe('the identity provider with openid-client as the relying party', () => {
  it('runs the code flow through the hosted sign-in and consent pages (RS256 ID token)', async () => {
    const client = await registerClient(admin.access_token, {
      scopes: ['openid', 'profile', 'email', 'offline_access'],
    });
    const config = await discoverIdp(
      client.client_id,
      {},
      oidc.ClientSecretBasic(client.client_secret!),
    );
    const user = await createUser();
    const browser = new Browser();
    const req = await authorizationRequest(config);
    const back = await throughPages(browser, req.url, user);
    expect(back.origin + back.pathname).toBe(RP_REDIRECT);
    expect(back.searchParams.get('state')).toBe(req.state);
    expect(back.searchParams.get('iss')).toBe(ISSUER);

    const tokens = await oidc.authorizationCodeGrant(config, back, {
      pkceCodeVerifier: req.verifier,
      expectedNonce: req.nonce,
      expectedState: req.state,
    });
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('RS256');
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: ISSUER,
      sub: user.id,
      aud: client.client_id,
      nonce: req.nonce,
      email: user.email,
      email_verified: false,
      amr: ['pwd'],
    });
    expect(claims.auth_time).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(tokens.refresh_token).toMatch(/\./);
    expect(tokens.scope).toBe('openid email profile offline_access');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, email: user.email });
    // Refresh, twice in parallel: one successor, and the family lives on.
    const [r1, r2] = await Promise.all([
      oidc.refreshTokenGrant(config, tokens.refresh_token!),
      oidc.refreshTokenGrant(config, tokens.refresh_token!),
    ]);
    expect(r1.refresh_token).toBe(r2.refresh_token);
    expect(r1.refresh_token).not.toBe(tokens.refresh_token);
    const r3 = await oidc.refreshTokenGrant(config, r1.refresh_token!);
    // A fresh ID token on refresh (OpenID Connect Core 12.2), checked by openid-client: the same
    // subject and audience, no nonce, the original sign-in's auth_time.
    expect(r3.claims()).toMatchObject({
      iss: ISSUER,
      sub: user.id,
      aud: client.client_id,
      auth_time: tokens.claims()!.auth_time,
    });
    expect(r3.claims()!.nonce).toBeUndefined();
    expect(await oidc.fetchUserInfo(config, r3.access_token, user.id)).toMatchObject({
      sub: user.id,
    });

    // The consent is remembered: the next authorization goes straight back with a code.
    const again = await authorizationRequest(config);
    const direct = await browser.go(again.url.href);
    expect(direct.status).toBe(302);
    expect(new URL(direct.location!).searchParams.get('code')).toBeTruthy();
  });

  it('signs ID tokens with EdDSA for a client that registered it; a public client uses PKCE alone', async () => {
    const client = await registerClient(admin.access_token, {
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'EdDSA',
    });
    const config = await discoverIdp(
      client.client_id,
      { id_token_signed_response_alg: 'EdDSA' },
      oidc.None(),
    );
    const user = await createUser();
    const req = await authorizationRequest(config, { scope: 'openid email' });
    const back = await throughPages(new Browser(), req.url, user);
    const tokens = await oidc.authorizationCodeGrant(config, back, {
      pkceCodeVerifier: req.verifier,
      expectedNonce: req.nonce,
      expectedState: req.state,
    });
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('EdDSA');
    expect(tokens.claims()!.sub).toBe(user.id);
    // No offline_access: no refresh token.
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('the pages on the way name the client in form-action, the two-step page too', async () => {
    // Chromium checks a form's whole redirect chain against the page's form-action: the
    // two-step page's answer may go through /oauth/authorize straight to the client
    // (test/browser/relying-party.test.ts shows it in the browser).
    const client = await registerClient(admin.access_token);
    const config = await discoverIdp(
      client.client_id,
      {},
      oidc.ClientSecretBasic(client.client_secret!),
    );
    const req = await authorizationRequest(config);
    const user = await createMfaUser();
    const browser = new Browser();
    const toLogin = await browser.go(req.url.href);
    const returnTo = new URL(toLogin.location!, ISSUER).searchParams.get('return_to')!;
    const clientOrigin = new URL(RP_REDIRECT).origin;
    const loginPage = await browser.go(`/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(loginPage.csp).toContain(clientOrigin);
    const twoStep = await browser.go('/login', {
      email: user.email,
      password: user.password,
      return_to: returnTo,
    });
    expect(twoStep.text).toContain('Verification code');
    expect(twoStep.csp).toMatch(new RegExp(`form-action [^;]*${clientOrigin}`));
    // Without an authorization request, no client: the same page names no such origin.
    const plain = await new Browser().go('/login', { email: user.email, password: user.password });
    expect(plain.text).toContain('Verification code');
    expect(plain.csp).not.toContain(clientOrigin);
    // A long authorization request (a 3,000-character state) still signs in through the form.
    const long = new URL(returnTo);
    long.searchParams.set('state', 's'.repeat(3000));
    const longStep = await new Browser().go('/login', {
      email: user.email,
      password: user.password,
      return_to: long.href,
    });
    expect(longStep.text).toContain('Verification code');
    // An email link's confirm page: its form's answer goes to return_to, and so to the client.
    const { token } = await emailSignIn(user.email, { return_to: returnTo });
    const confirm = await new Browser().go(`/auth/email/confirm?token=${token}`);
    expect(confirm.csp).toMatch(new RegExp(`form-action [^;]*${clientOrigin}`));
    // A return_to that names a redirect URI the client did not register (or an unknown client)
    // puts nothing of its own into form-action: the policy is not the attacker's to write.
    for (const [id, uri] of [
      [client.client_id, 'https://evil.example/cb'],
      ['oc_unknown', 'https://evil.example/cb'],
      [client.client_id, 'javascript:alert(1)'],
    ] as const) {
      const forged = new URL(returnTo);
      forged.searchParams.set('client_id', id);
      forged.searchParams.set('redirect_uri', uri);
      const page = await new Browser().go(`/login?return_to=${encodeURIComponent(forged.href)}`);
      expect(page.text).toContain('Sign in');
      expect(page.csp).not.toMatch(/evil\.example|javascript:/);
      const direct = await new Browser().go(`/oauth/authorize${forged.search}`);
      expect(direct.csp).not.toMatch(/evil\.example|javascript:/);
    }
  });
});
