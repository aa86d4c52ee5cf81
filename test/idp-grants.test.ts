import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { api, apiWithEnv, createSignedInUser, env } from './helpers';
import { createSignedInAdmin, serviceHeaders } from './helpers-admin';
import {
  authorizationRequest,
  basicAuth,
  codeFor,
  oauthPost,
  registerClient,
  RP_REDIRECT,
} from './helpers-idp';

// Refresh rotation, revocation (RFC 7009), introspection (RFC 7662), client_credentials,
// resource indicators (RFC 8707) and withdrawing a consent, through HTTP.

const admin = await createSignedInAdmin();
const client = await registerClient(admin.access_token);
const other = await registerClient(admin.access_token);
const auth = basicAuth(client.client_id, client.client_secret!);

/** A fresh user's grant to `client`: the token response of the code exchange. */
async function grant(scope = 'openid email offline_access', extra: Record<string, string> = {}) {
  const got = await codeFor(client, scope, extra);
  const res = await oauthPost(
    '/oauth/token',
    {
      grant_type: 'authorization_code',
      code: got.code,
      code_verifier: got.verifier,
      redirect_uri: RP_REDIRECT,
    },
    auth,
  );
  expect(res.status, res.text).toBe(200);
  return { ...got, tokens: res.body as Record<string, string> };
}

const refresh = (token: string, headers = auth) =>
  oauthPost('/oauth/token', { grant_type: 'refresh_token', refresh_token: token }, headers);

const userinfoStatus = async (token: string) =>
  (await api('GET', '/oauth/userinfo', { token })).status;

describe('refresh_token', () => {
  it('rotates; parallel refreshes all succeed with one successor and the family lives', async () => {
    const { tokens } = await grant();
    const answers = await Promise.all([1, 2, 3].map(() => refresh(tokens.refresh_token!)));
    for (const a of answers) expect(a.status, a.text).toBe(200);
    const successors = new Set(answers.map((a) => a.body.refresh_token as string));
    expect(successors.size).toBe(1);
    const [next] = successors;
    expect(next).not.toBe(tokens.refresh_token);
    // Each refresh answers a new ID token with the original sign-in's auth_time (OIDC Core 12.2).
    const first = decodeJwt(tokens.id_token!);
    const renewed = decodeJwt(answers[0]!.body.id_token);
    expect(renewed).toMatchObject({ sub: first.sub, aud: first.aud, auth_time: first.auth_time });
    expect(renewed.nonce).toBeUndefined();
    const again = await refresh(next!);
    expect(again.status, again.text).toBe(200);
    expect(await userinfoStatus(again.body.access_token)).toBe(200);
  });

  it('a grant from before auth_time was kept refreshes without an ID token', async () => {
    const { tokens } = await grant();
    const { sid } = decodeJwt(tokens.id_token!);
    // As migration 0015 left the grants made before it.
    await env.DB.prepare('UPDATE oauth_grants SET auth_time = NULL WHERE session_id = ?')
      .bind(sid)
      .run();
    const res = await refresh(tokens.refresh_token!);
    expect(res.status, res.text).toBe(200);
    expect(res.body.id_token).toBeUndefined();
    expect(await userinfoStatus(res.body.access_token)).toBe(200);
  });

  it('a token rotated past the reuse interval ends the grant', async () => {
    const { tokens } = await grant();
    const noGrace = { REFRESH_REUSE_INTERVAL_SECONDS: '0' };
    const form = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! };
    const post = () =>
      apiWithEnv(noGrace, 'POST', '/oauth/token', {
        body: new URLSearchParams(form).toString(),
        headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' },
      });
    const first = await post();
    expect(first.status, first.text).toBe(200);
    const reused = await post();
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
    // The successor died with the family.
    expect((await refresh(first.body.refresh_token)).body.error).toBe('invalid_grant');
    expect(await userinfoStatus(first.body.access_token)).toBe(401);
  });

  it('stays with its client and its kind: not another client, not /auth/refresh, nor an API token here', async () => {
    const { tokens } = await grant();
    const foreign = await refresh(
      tokens.refresh_token!,
      basicAuth(other.client_id, other.client_secret!),
    );
    expect(foreign.body.error).toBe('invalid_grant');
    const a = await grant();
    const api1 = await api('POST', '/auth/refresh', {
      json: { refresh_token: a.tokens.refresh_token },
    });
    expect(api1.status).toBe(401);
    // The refusal spent nothing: the client's token still works.
    expect((await refresh(a.tokens.refresh_token!)).status).toBe(200);
    const user = await createSignedInUser();
    expect((await refresh(user.refresh_token)).body.error).toBe('invalid_grant');
    expect((await api('GET', '/auth/verify', { token: user.access_token })).status).toBe(200);
  });

  it('may narrow the scope, never widen it', async () => {
    const { tokens } = await grant();
    const narrowed = await oauthPost(
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, scope: 'openid' },
      auth,
    );
    expect(narrowed.status, narrowed.text).toBe(200);
    expect(narrowed.body.scope).toBe('openid');
    const wider = await oauthPost(
      '/oauth/token',
      {
        grant_type: 'refresh_token',
        refresh_token: narrowed.body.refresh_token,
        scope: 'openid profile',
      },
      auth,
    );
    expect(wider.body.error).toBe('invalid_scope');
  });
});

describe('revocation and introspection', () => {
  it('revoke (RFC 7009) ends the grant; unknown and foreign tokens answer 200 and change nothing', async () => {
    const { tokens } = await grant();
    const foreign = await oauthPost(
      '/oauth/revoke',
      { token: tokens.refresh_token! },
      basicAuth(other.client_id, other.client_secret!),
    );
    expect(foreign.status).toBe(200);
    expect(await userinfoStatus(tokens.access_token!)).toBe(200);
    expect((await oauthPost('/oauth/revoke', { token: 'nonsense' }, auth)).status).toBe(200);
    const ok = await oauthPost('/oauth/revoke', { token: tokens.refresh_token! }, auth);
    expect(ok.status).toBe(200);
    expect(await userinfoStatus(tokens.access_token!)).toBe(401);
    expect((await refresh(tokens.refresh_token!)).body.error).toBe('invalid_grant');
    const wrong = await oauthPost(
      '/oauth/revoke',
      { token: 'x' },
      basicAuth(client.client_id, 'bad'),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
  });

  it('introspect (RFC 7662): the client and a service see it active; another client does not; after revoke, inactive', async () => {
    const { tokens, user } = await grant();
    const mine = await oauthPost('/oauth/introspect', { token: tokens.access_token! }, auth);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({
      active: true,
      client_id: client.client_id,
      sub: user.id,
      scope: 'openid email offline_access',
      token_type: 'Bearer',
    });
    const service = await oauthPost(
      '/oauth/introspect',
      { token: tokens.access_token! },
      serviceHeaders(),
    );
    expect(service.body.active).toBe(true);
    const theirs = await oauthPost(
      '/oauth/introspect',
      { token: tokens.access_token! },
      basicAuth(other.client_id, other.client_secret!),
    );
    expect(theirs.body).toEqual({ active: false });
    await oauthPost('/oauth/revoke', { token: tokens.access_token! }, auth);
    const after = await oauthPost('/oauth/introspect', { token: tokens.access_token! }, auth);
    expect(after.body).toEqual({ active: false });
    const anon = await oauthPost('/oauth/introspect', { token: tokens.access_token! });
    expect(anon.status).toBe(401);
  });
});

describe('client_credentials and resource indicators', () => {
  it('issues a client its own token with its registered scopes; the resource becomes aud', async () => {
    const service = await registerClient(admin.access_token, {
      grant_types: ['client_credentials'],
      redirect_uris: [],
      scopes: ['invoices:read', 'invoices:write'],
    });
    const sAuth = basicAuth(service.client_id, service.client_secret!);
    const plain = await oauthPost('/oauth/token', { grant_type: 'client_credentials' }, sAuth);
    expect(plain.status, plain.text).toBe(200);
    expect(plain.body.refresh_token).toBeUndefined();
    expect(plain.body.id_token).toBeUndefined();
    expect(decodeJwt(plain.body.access_token)).toMatchObject({
      sub: service.client_id,
      aud: service.client_id,
      scope: 'invoices:read invoices:write',
    });
    const mcp = await oauthPost(
      '/oauth/token',
      {
        grant_type: 'client_credentials',
        scope: 'invoices:read',
        resource: 'https://mcp.example/',
      },
      sAuth,
    );
    expect(decodeJwt(mcp.body.access_token)).toMatchObject({
      aud: 'https://mcp.example/',
      scope: 'invoices:read',
    });
    const bad = await oauthPost(
      '/oauth/token',
      { grant_type: 'client_credentials', scope: 'openid' },
      sAuth,
    );
    expect(bad.body.error).toBe('invalid_scope');
    const target = await oauthPost(
      '/oauth/token',
      { grant_type: 'client_credentials', resource: 'not a uri' },
      sAuth,
    );
    expect(target.body.error).toBe('invalid_target');
    // A client without the grant.
    const denied = await oauthPost('/oauth/token', { grant_type: 'client_credentials' }, auth);
    expect(denied.body.error).toBe('unauthorized_client');
  });

  it('a resource on the authorization request becomes the user token’s aud', async () => {
    const { tokens } = await grant('openid', { resource: 'https://mcp.example/' });
    expect(decodeJwt(tokens.access_token!).aud).toBe('https://mcp.example/');
  });
});

describe('/auth/consents', () => {
  it('lists what the user granted; withdrawing ends that client’s tokens and asks again next time', async () => {
    const { tokens, user, browser, config } = await grant();
    const token = (
      await api('POST', '/auth/login', { json: { email: user.email, password: user.password } })
    ).body.access_token;
    const list = await api('GET', '/auth/consents', { token });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        client_id: client.client_id,
        client_name: 'Example app',
        scopes: ['email', 'offline_access', 'openid'],
      }),
    ]);
    const gone = await api('DELETE', `/auth/consents/${client.client_id}`, { token });
    expect(gone.status).toBe(204);
    expect((await api('DELETE', `/auth/consents/${client.client_id}`, { token })).status).toBe(404);
    expect(await userinfoStatus(tokens.access_token!)).toBe(401);
    expect((await refresh(tokens.refresh_token!)).body.error).toBe('invalid_grant');
    const again = await authorizationRequest(config);
    const page = await browser.go(again.url.href);
    expect(page.status).toBe(200);
    expect(page.text).toContain('wants to use your account');
    const audit = await env.DB.prepare(
      "SELECT action FROM audit_events WHERE user_id = ? AND action LIKE 'oauth_%'",
    )
      .bind(user.id)
      .all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(
      expect.arrayContaining(['oauth_consent_granted', 'oauth_consent_withdrawn']),
    );
  });
});
