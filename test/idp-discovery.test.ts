import { describe, expect, it } from 'vitest';
import { parseKeys, rotate } from '../scripts/signing-key-rotation.mjs';
import { api, apiWithEnv, createUser, env } from './helpers';
import { serviceHeaders } from './helpers-admin';
import { discoverIdp, ISSUER } from './helpers-idp';

describe('identity provider discovery', () => {
  it('openid-client discovers the provider: RS256 (required by Discovery) and EdDSA', async () => {
    const config = await discoverIdp();
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(ISSUER);
    expect(meta.id_token_signing_alg_values_supported).toEqual(['RS256', 'EdDSA']);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.token_endpoint).toBe(`${ISSUER}/oauth/token`);
    expect(meta.token_endpoint_auth_methods_supported).toEqual([
      'client_secret_basic',
      'client_secret_post',
      'none',
    ]);
    expect(meta.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email', 'offline_access', 'organizations']),
    );
  });

  it('RFC 8414 serves the same metadata; RFC 9728 names this server', async () => {
    const oidcDoc = await api('GET', '/.well-known/openid-configuration');
    const oauthDoc = await api('GET', '/.well-known/oauth-authorization-server');
    expect(oauthDoc.status).toBe(200);
    expect(oauthDoc.body).toEqual(oidcDoc.body);
    expect(oidcDoc.headers.get('Cache-Control')).toContain('public');
    const resource = await api('GET', '/.well-known/oauth-protected-resource');
    expect(resource.status).toBe(200);
    expect(resource.body).toMatchObject({ resource: ISSUER, authorization_servers: [ISSUER] });
  });

  it('the JWKS publishes an RS256 key beside the EdDSA one, public parts only', async () => {
    const res = await api('GET', '/.well-known/jwks.json');
    const keys = res.body.keys as Record<string, string>[];
    expect(keys.map((k) => k.alg).sort()).toEqual(['EdDSA', 'RS256']);
    const rsa = keys.find((k) => k.alg === 'RS256')!;
    expect(rsa).toMatchObject({ kty: 'RSA', use: 'sig', e: 'AQAB' });
    for (const k of keys) {
      for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(k).not.toHaveProperty(priv);
    }
  });
});

describe('the RS256 set (JWT_RSA_SIGNING_KEYS)', () => {
  it('rotates like the EdDSA set: the next key is published before it signs', async () => {
    const current = parseKeys(String(env.JWT_RSA_SIGNING_KEYS));
    const next = await rotate(current, { now: Date.now(), tokenTtlSeconds: 900, alg: 'RS256' });
    expect(next.at(-1)).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    const res = await apiWithEnv(
      { JWT_RSA_SIGNING_KEYS: JSON.stringify(next) },
      'GET',
      '/.well-known/jwks.json',
    );
    const kids = (res.body.keys as { kid: string; alg: string }[])
      .filter((k) => k.alg === 'RS256')
      .map((k) => k.kid);
    expect(kids).toEqual(next.map((k) => k.kid));
  });

  it('a deployment without it keeps its API and advertises EdDSA alone; a bad one is reported', async () => {
    const without = { JWT_RSA_SIGNING_KEYS: undefined };
    const doc = await apiWithEnv(without, 'GET', '/.well-known/openid-configuration');
    expect(doc.body.id_token_signing_alg_values_supported).toEqual(['EdDSA']);
    const health = await apiWithEnv(without, 'GET', '/health', { headers: serviceHeaders() });
    expect(health.status).toBe(200);
    expect(health.body.components.rsa_signing_key).toBe('not_configured');
    const user = await createUser();
    const login = await apiWithEnv(without, 'POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(200);
    // An EdDSA key where an RSA one belongs is refused, not used.
    const wrong = { JWT_RSA_SIGNING_KEYS: String(env.JWT_PRIVATE_KEY) };
    const bad = await apiWithEnv(wrong, 'GET', '/health', { headers: serviceHeaders() });
    expect(bad.body.components.rsa_signing_key).toBe('weak');
  });
});
