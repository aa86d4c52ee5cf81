import * as oidc from 'openid-client';
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { api, env } from './helpers';

/** The identity provider's issuer in the tests (JWT_ISSUER, scripts/dev-values.mjs). */
export const ISSUER = (env as unknown as { JWT_ISSUER: string }).JWT_ISSUER;

/** openid-client's requests go to the worker's real fetch handler, not the network. */
const workerFetch: oidc.CustomFetch = (url, options) =>
  exports.default.fetch(new Request(url, options));

/** openid-client as a relying party of this worker: discovery through the worker itself. */
export async function discoverIdp(
  clientId = 'discovery-only',
  metadata?: Partial<oidc.ClientMetadata>,
  auth?: oidc.ClientAuth,
) {
  return oidc.discovery(new URL(ISSUER), clientId, metadata, auth, {
    [oidc.customFetch]: workerFetch,
    // The tests' issuer is http://localhost:8787 (the development value).
    execute: [oidc.allowInsecureRequests],
  });
}

export { oidc };

/** Registers a client through the admin API; the answer carries the one-time secret. */
export async function registerClient(adminToken: string, body: Record<string, unknown> = {}) {
  const res = await api('POST', '/admin/oauth/clients', {
    token: adminToken,
    json: { name: 'Example app', redirect_uris: [RP_REDIRECT], ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as {
    client_id: string;
    client_secret: string | null;
    [field: string]: unknown;
  };
}

/** The relying party's callback in the tests. */
export const RP_REDIRECT = 'https://rp.example/callback';
