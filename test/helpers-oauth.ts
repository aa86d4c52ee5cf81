import { expect } from 'vitest';
import { api, uniqueEmail, useVarsForThisFile, type ApiResponse } from './helpers';

/**
 * The federated sign-in's test providers (test/fake-oidc.ts answers them at the network edge):
 * `oidc` is oidc-provider (the reference implementation) as a confidential client,
 * `oidc_public` the same as a public one; `handmade` and `handmade_mfa` a hand-made issuer
 * whose ID tokens a test shapes (the second trusts the provider's MFA).
 */
const PROVIDERS = [
  {
    id: 'oidc',
    type: 'oidc',
    name: 'Test OpenID',
    client_id: 'edge-auth-test',
    issuer: 'http://oidc.test',
  },
  { id: 'oidc_public', type: 'oidc', client_id: 'edge-auth-public', issuer: 'http://oidc.test' },
  { id: 'handmade', type: 'oidc', client_id: 'handmade-client', issuer: 'http://idp.test' },
  {
    id: 'handmade_mfa',
    type: 'oidc',
    client_id: 'handmade-client',
    issuer: 'http://idp.test',
    trust_provider_mfa: true,
  },
];

/** The secret of `oidc` comes from OAUTH_OIDC_CLIENT_SECRET, as a deployment would set it. */
export const useTestProviders = () =>
  useVarsForThisFile({
    OAUTH_PROVIDERS: JSON.stringify(PROVIDERS),
    OAUTH_OIDC_CLIENT_SECRET: 'oidc-test-secret-value',
  });

/** APP_URL's origin in development: an allowlisted return_to. */
export const RETURN_TO = 'http://localhost:3000/signed-in';

export interface Account {
  sub: string;
  email: string;
  email_verified: boolean;
}

export const newAccount = (overrides: Partial<Account> = {}): Account => ({
  sub: crypto.randomUUID(),
  email: uniqueEmail('fed'),
  email_verified: true,
  ...overrides,
});

/** GET authorize → the provider's URL (302). */
export async function authorize(
  provider: string,
  query: Record<string, string> = { return_to: RETURN_TO },
) {
  const res = await api(
    'GET',
    `/auth/oauth/${provider}/authorize?${new URLSearchParams(query).toString()}`,
    {
      redirect: 'manual',
    },
  );
  expect(res.status, res.text).toBe(302);
  return new URL(res.headers.get('Location')!);
}

/** The worker's callback for the provider's redirect back → where it sends the browser. */
export async function callback(location: string | URL): Promise<URL> {
  const url = new URL(location);
  const res = await api('GET', `${url.pathname}${url.search}`, { redirect: 'manual' });
  expect(res.status, res.text).toBe(302);
  return new URL(res.headers.get('Location')!);
}

/** Plays the user at oidc-provider: signs in as `account`, consents → the redirect back. */
export async function driveOidc(authorizeUrl: URL, account: Account) {
  const res = await fetch('http://oidc.test/test/drive', {
    method: 'POST',
    body: JSON.stringify({ url: authorizeUrl.href, account }),
  });
  const body = await res.json<{ location?: string; error?: string }>();
  expect(body.error, JSON.stringify(body)).toBeUndefined();
  return body.location!;
}

/** A whole sign-in through oidc-provider up to the worker's redirect back to return_to. */
export async function viaOidc(
  account: Account,
  query: Record<string, string> = { return_to: RETURN_TO },
  provider = 'oidc',
) {
  return callback(await driveOidc(await authorize(provider, query), account));
}

/** A code at the hand-made issuer whose ID token carries `claims` (over its defaults). */
export async function handmadeCode(
  authorizeUrl: URL,
  claims: Record<string, unknown>,
  badSignature = false,
) {
  const res = await fetch('http://idp.test/test/code', {
    method: 'POST',
    body: JSON.stringify({
      claims: { nonce: authorizeUrl.searchParams.get('nonce'), ...claims },
      badSignature,
    }),
  });
  return (await res.json<{ code: string }>()).code;
}

/** A sign-in at the hand-made issuer with an ID token of `claims` → the redirect back. */
export async function viaHandmade(
  claims: Record<string, unknown>,
  options: { badSignature?: boolean; provider?: string } = {},
) {
  const provider = options.provider ?? 'handmade';
  const url = await authorize(provider);
  const code = await handmadeCode(url, claims, options.badSignature);
  const state = url.searchParams.get('state')!;
  return callback(`http://auth.test/auth/oauth/${provider}/callback?code=${code}&state=${state}`);
}

export const exchange = (loginCode: string, codeVerifier?: string): Promise<ApiResponse> =>
  api('POST', '/auth/oauth/exchange', {
    json: { login_code: loginCode, ...(codeVerifier ? { code_verifier: codeVerifier } : {}) },
  });

/** The login_code of a redirect back, asserting it went to `returnTo`. */
export function loginCodeOf(back: URL, returnTo = RETURN_TO) {
  expect(back.searchParams.get('error'), back.href).toBeNull();
  expect(`${back.origin}${back.pathname}`).toBe(returnTo);
  return back.searchParams.get('login_code')!;
}

/** Signs in through oidc-provider as `account` → the token pair. */
export async function signInVia(account: Account) {
  const res = await exchange(loginCodeOf(await viaOidc(account)));
  expect(res.status, res.text).toBe(200);
  return res.body as { access_token: string; refresh_token: string };
}
