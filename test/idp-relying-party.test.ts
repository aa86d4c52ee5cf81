import { describe, expect, it } from 'vitest';
import { createUser, env } from './helpers';
import { Browser, ISSUER } from './helpers-idp';

// examples/relying-party, a second Worker using openid-client, signs a user in through this
// worker: its "Sign in" link → our sign-in page → consent → back to it, signed in.

const rp = JSON.parse(env.TEST_RELYING_PARTY) as {
  CLIENT_ID: string;
  CLIENT_SECRET: string;
  REDIRECT_URI: string;
};

/** The example's client, arranged in D1 as an admin's registration would store it. */
async function registerExample() {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(rp.CLIENT_SECRET));
  const hash = btoa(String.fromCharCode(...new Uint8Array(digest)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  const now = Date.now();
  await env.DB.prepare(
    `INSERT OR IGNORE INTO oauth_clients (id, name, logo_uri, secret_hash, redirect_uris, grant_types, scopes,
       token_endpoint_auth_method, id_token_alg, created_by, created_at, updated_at)
     VALUES (?, 'Example app', NULL, ?, ?, '["authorization_code"]', '["openid","email","profile"]',
       'client_secret_basic', 'RS256', NULL, ?, ?)`,
  )
    .bind(rp.CLIENT_ID, hash, JSON.stringify([rp.REDIRECT_URI]), now, now)
    .run();
}

/** A request to the example app, as the browser sends it. */
async function toApp(path: string, cookie?: string) {
  const res = await env.RELYING_PARTY.fetch(
    new Request(new URL(path, rp.REDIRECT_URI), {
      headers: cookie ? { Cookie: cookie } : {},
      redirect: 'manual',
    }),
  );
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
  return {
    status: res.status,
    location: res.headers.get('Location'),
    text: await res.text(),
    cookies,
  };
}

describe('the example relying party (examples/relying-party)', () => {
  it('signs a user in through the hosted pages and back', async () => {
    await registerExample();
    const home = await toApp('/');
    expect(home.text).toContain('Sign in');
    const login = await toApp('/login');
    expect(login.status).toBe(302);
    expect(login.location!.startsWith(`${ISSUER}/oauth/authorize?`)).toBe(true);
    const flowCookie = login.cookies.find((c) => c.startsWith('rp_flow='))!;

    const user = await createUser();
    const browser = new Browser();
    const toSignIn = await browser.go(login.location!);
    const returnTo = new URL(toSignIn.location!, ISSUER).searchParams.get('return_to')!;
    const signedIn = await browser.go('/login', {
      email: user.email,
      password: user.password,
      return_to: returnTo,
    });
    expect(signedIn.location).toBe(returnTo);
    const consent = await browser.go(returnTo);
    expect(consent.text).toContain('Example app');
    const fields = Object.fromEntries(new URL(returnTo).searchParams);
    const back = await browser.go('/oauth/authorize', { ...fields, decision: 'allow' });
    expect(back.status).toBe(303);
    expect(back.location!.startsWith(rp.REDIRECT_URI)).toBe(true);

    const callback = await toApp(back.location!, flowCookie);
    expect(callback.status, callback.text).toBe(302);
    const session = callback.cookies.find((c) => c.startsWith('rp_session=') && c.length > 11)!;
    const after = await toApp('/', session);
    expect(after.text).toContain(`Signed in as ${user.email}`);
    // The code was single use: the callback replayed is refused.
    const replay = await toApp(back.location!, flowCookie);
    expect(replay.text).toContain('Sign-in failed');
  });
});
