import { describe, expect, it } from 'vitest';
import { api } from './helpers';
import { callback, driveOidc, newAccount, RETURN_TO, useTestProviders } from './helpers-oauth';

useTestProviders();

/** The cookie a response sets, as a Cookie header value. */
const cookieOf = (res: { headers: Headers }, name: string) => {
  const line = res.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
  return line?.split(';')[0];
};

/** The hosted start → the provider → the worker's callback → where it sends the browser. */
async function startAtLoginPage() {
  const login = await api('GET', `/login?return_to=${encodeURIComponent(RETURN_TO)}`);
  expect(login.status).toBe(200);
  const href = /href="(\/login\/federated\/start\?provider=oidc[^"]*)"/.exec(login.text)?.[1];
  expect(href, 'a button for the oidc provider').toBeTruthy();
  expect(login.text).toContain('Continue with Test OpenID');
  const start = await api('GET', href!.replace(/&amp;/g, '&'), { redirect: 'manual' });
  expect(start.status, start.text).toBe(302);
  const verifier = cookieOf(start, '__Host-federated');
  expect(verifier).toBeTruthy();
  const back = await callback(
    await driveOidc(new URL(start.headers.get('Location')!), newAccount()),
  );
  expect(back.pathname).toBe('/login/federated');
  expect(back.searchParams.get('return_to')).toBe(RETURN_TO);
  return { back, verifier: verifier! };
}

describe('the hosted sign-in page', () => {
  it('signs the browser in through a provider button', async () => {
    const { back, verifier } = await startAtLoginPage();
    const done = await api('GET', `${back.pathname}${back.search}`, {
      headers: { Cookie: verifier },
      redirect: 'manual',
    });
    expect(done.status, done.text).toBe(303);
    expect(done.headers.get('Location')).toBe(RETURN_TO);
    expect(cookieOf(done, '__Host-refresh')).toBeTruthy();
  });

  it('does not sign in another browser with that login_code (login CSRF)', async () => {
    const { back } = await startAtLoginPage();
    const elsewhere = await api('GET', `${back.pathname}${back.search}`, { redirect: 'manual' });
    expect(elsewhere.status).toBe(401);
    expect(cookieOf(elsewhere, '__Host-refresh')).toBeUndefined();
    expect(elsewhere.text).toContain('expired or was already used');
  });

  it('shows the provider’s refusal in words', async () => {
    const res = await api('GET', '/login/federated?error=account_exists');
    expect(res.status).toBe(400);
    expect(res.text).toContain('link this provider from your account page');
  });
});

describe('the account page', () => {
  it('lists the linked providers', async () => {
    const { back, verifier } = await startAtLoginPage();
    const done = await api('GET', `${back.pathname}${back.search}`, {
      headers: { Cookie: verifier },
      redirect: 'manual',
    });
    const refresh = cookieOf(done, '__Host-refresh')!;
    const page = await api('GET', '/account', { headers: { Cookie: refresh } });
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain('Sign-in providers');
    expect(page.text).toContain('Test OpenID');
    expect(page.text).toContain('@example.com');
  });
});
