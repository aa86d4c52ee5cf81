import { describe, expect, it } from 'vitest';
import { api, apiWithEnv, env } from './helpers';
import { RP_REDIRECT } from './helpers-idp';

// RFC 7591 dynamic registration: off by default; when on, a client registers itself for the
// code flow and the built-in scopes only.

const open = { OAUTH_DYNAMIC_REGISTRATION: 'true' };
const register = (json: Record<string, unknown>, vars: Record<string, unknown> = open) =>
  apiWithEnv(vars, 'POST', '/oauth/register', { json });

describe('dynamic client registration', () => {
  it('is off unless OAUTH_DYNAMIC_REGISTRATION=true (404, not in discovery)', async () => {
    const res = await api('POST', '/oauth/register', { json: { redirect_uris: [RP_REDIRECT] } });
    expect(res.status).toBe(404);
    const doc = await api('GET', '/.well-known/openid-configuration');
    expect(doc.body.registration_endpoint).toBeUndefined();
    const opened = await apiWithEnv(open, 'GET', '/.well-known/openid-configuration');
    expect(opened.body.registration_endpoint).toBe(`${String(env.JWT_ISSUER)}/oauth/register`);
  });

  it('registers a confidential client (secret once) and a public one', async () => {
    const res = await register({ redirect_uris: [RP_REDIRECT], client_name: 'MCP client' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      client_id: expect.stringMatching(/^oc_/),
      client_secret: expect.stringMatching(/^ocs_/),
      client_secret_expires_at: 0,
      client_name: 'MCP client',
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid profile email offline_access',
    });
    const pub = await register({
      redirect_uris: ['http://127.0.0.1:33418/cb'],
      token_endpoint_auth_method: 'none',
    });
    expect(pub.status).toBe(201);
    expect(pub.body.client_secret).toBeUndefined();
  });

  it('refuses bad metadata in RFC 7591 words: redirect URIs, grants, scopes', async () => {
    const bad = await register({ redirect_uris: ['http://evil.example/cb'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_redirect_uri');
    const none = await register({ client_name: 'x' });
    expect(none.body.error).toBe('invalid_redirect_uri');
    const cc = await register({
      redirect_uris: [RP_REDIRECT],
      grant_types: ['client_credentials'],
    });
    expect(cc.body.error).toBe('invalid_client_metadata');
    const scope = await register({ redirect_uris: [RP_REDIRECT], scope: 'openid invoices:read' });
    expect(scope.status).toBe(400);
    expect(scope.body.error).toBe('invalid_client_metadata');
  });
});
