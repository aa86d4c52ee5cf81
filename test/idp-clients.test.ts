import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, env, expectError } from './helpers';
import { createSignedInAdmin } from './helpers-admin';
import { registerClient, RP_REDIRECT } from './helpers-idp';

const admin = await createSignedInAdmin();

describe('admin OAuth client management', () => {
  it('shows the secret once and stores only its SHA-256', async () => {
    const created = await registerClient(admin.access_token, {
      scopes: ['openid', 'invoices:read'],
    });
    expect(created.client_id).toMatch(/^oc_/);
    expect(created.client_secret).toMatch(/^ocs_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({
      redirect_uris: [RP_REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'invoices:read'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    });
    const row = await env.DB.prepare('SELECT secret_hash FROM oauth_clients WHERE id = ?')
      .bind(created.client_id)
      .first<{ secret_hash: string }>();
    const digest = await crypto.subtle.digest(
      'SHA-256',
      new TextEncoder().encode(created.client_secret!),
    );
    const b64url = btoa(String.fromCharCode(...new Uint8Array(digest)))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    expect(row?.secret_hash).toBe(b64url);
    const got = await api('GET', `/admin/oauth/clients/${created.client_id}`, {
      token: admin.access_token,
    });
    expect(got.status).toBe(200);
    expect(got.text).not.toContain(created.client_secret);
    expect(got.body).not.toHaveProperty('client_secret');
    const list = await api('GET', '/admin/oauth/clients', { token: admin.access_token });
    expect(list.body.items.map((c: { client_id: string }) => c.client_id)).toContain(
      created.client_id,
    );
    expect(list.text).not.toContain(created.client_secret);
  });

  it('a public client has no secret and cannot use client_credentials', async () => {
    const pub = await registerClient(admin.access_token, { token_endpoint_auth_method: 'none' });
    expect(pub.client_secret).toBeNull();
    const res = await api('POST', '/admin/oauth/clients', {
      token: admin.access_token,
      json: {
        name: 'Bad',
        token_endpoint_auth_method: 'none',
        grant_types: ['client_credentials'],
      },
    });
    expectError(res, 422, 'VALIDATION_ERROR');
  });

  it.each([
    ['a fragment', 'https://rp.example/cb#x'],
    ['plain http to another host', 'http://rp.example/cb'],
    ['a relative URI', '/callback'],
    ['javascript:', 'javascript:alert(1)'],
    ['credentials in the URI', 'https://user:pw@rp.example/cb'],
  ])('refuses a redirect URI with %s', async (_what, uri) => {
    const res = await api('POST', '/admin/oauth/clients', {
      token: admin.access_token,
      json: { name: 'Bad', redirect_uris: [uri] },
    });
    expectError(res, 422, 'VALIDATION_ERROR');
  });

  it('accepts loopback http and a private-use scheme (native apps)', async () => {
    const ok = await registerClient(admin.access_token, {
      redirect_uris: ['http://127.0.0.1:8910/cb', 'com.example.app:/oauth'],
      token_endpoint_auth_method: 'none',
    });
    expect(ok.redirect_uris).toHaveLength(2);
  });

  it('updates, then deletes; unknown fields and non-admins are refused; audited', async () => {
    const created = await registerClient(admin.access_token);
    const path = `/admin/oauth/clients/${created.client_id}`;
    const patched = await api('PATCH', path, {
      token: admin.access_token,
      json: { name: 'Renamed', id_token_signed_response_alg: 'EdDSA' },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Renamed', id_token_signed_response_alg: 'EdDSA' });
    const toPublic = await api('PATCH', path, {
      token: admin.access_token,
      json: { token_endpoint_auth_method: 'none' },
    });
    expectError(toPublic, 422, 'VALIDATION_ERROR');
    const sneaky = await api('PATCH', path, {
      token: admin.access_token,
      json: { secret_hash: 'x' },
    });
    expectError(sneaky, 422, 'VALIDATION_ERROR');
    const user = await createSignedInUser();
    expectError(await api('GET', path, { token: user.access_token }), 403, 'FORBIDDEN');
    expectError(await api('DELETE', path, { token: user.access_token }), 403, 'FORBIDDEN');
    expect((await api('DELETE', path, { token: admin.access_token })).status).toBe(204);
    expectError(await api('GET', path, { token: admin.access_token }), 404, 'NOT_FOUND');
    expectError(await api('DELETE', path, { token: admin.access_token }), 404, 'NOT_FOUND');
    const rows = await env.DB.prepare(
      "SELECT action FROM audit_events WHERE action = 'oauth_client_changed' AND json_extract(metadata, '$.client_id') = ?",
    )
      .bind(created.client_id)
      .all();
    expect(rows.results.length).toBeGreaterThanOrEqual(2);
  });
});
