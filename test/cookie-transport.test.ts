import { describe, expect, it } from 'vitest';
import {
  api,
  apiWithEnv,
  createSignedInUser,
  createUser,
  expectError,
  type ApiResponse,
} from './helpers';
import { createMfaUser, startMfaLogin, stableStep, totpAt } from './helpers-mfa';

const CSRF = { 'X-CSRF-Protection': '1' };
const APP = 'http://localhost:3000'; // in CORS_ORIGINS (scripts/dev-values.mjs)

/** The refresh cookie a response sets: its value and attributes. */
function refreshCookie(res: ApiResponse) {
  const header = res.headers.getSetCookie().find((h) => h.startsWith('__Host-refresh='));
  expect(header, `Set-Cookie in ${JSON.stringify([...res.headers])}`).toBeDefined();
  const [pair, ...attributes] = header!.split(/;\s*/);
  return { value: pair!.slice('__Host-refresh='.length), attributes, header: header! };
}

const creds = (user: { email: string; password: string }) => ({
  email: user.email,
  password: user.password,
});

const cookieHeader = (value: string) => ({ Cookie: `__Host-refresh=${value}` });

async function cookieLogin(user: { email: string; password: string }) {
  const res = await api('POST', '/auth/login?transport=cookie', {
    json: { email: user.email, password: user.password },
    headers: CSRF,
  });
  expect(res.status, res.text).toBe(200);
  return res;
}

describe('cookie transport', () => {
  it('login sets an HttpOnly __Host- cookie and leaves the refresh token out of the body', async () => {
    const user = await createUser();
    const res = await cookieLogin(user);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
    });
    expect(res.text).not.toContain('refresh_token');
    const cookie = refreshCookie(res);
    expect(cookie.value).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes).toEqual(
      expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/']),
    );
    expect(cookie.header).not.toMatch(/Domain=/i);
    expect(res.headers.get('Cache-Control')).toContain('no-store');
    const verified = await api('GET', '/auth/verify', { token: res.body.access_token });
    expect(verified.status, verified.text).toBe(200);
  });

  it('without ?transport=cookie login answers the token pair and sets no cookie', async () => {
    const user = await createUser();
    const res = await api('POST', '/auth/login', { json: creds(user) });
    expect(res.status, res.text).toBe(200);
    expect(res.body.refresh_token).toEqual(expect.any(String));
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('refresh with no body reads the cookie, rotates it and sets the new one', async () => {
    const user = await createUser();
    const first = refreshCookie(await cookieLogin(user)).value;
    const res = await api('POST', '/auth/refresh?transport=cookie', {
      headers: { ...CSRF, ...cookieHeader(first), Origin: APP },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.refresh_token).toBeUndefined();
    expect(res.body.access_token).toEqual(expect.any(String));
    const second = refreshCookie(res).value;
    expect(second).not.toBe(first);
    // The rotated cookie works in turn.
    const again = await api('POST', '/auth/refresh?transport=cookie', {
      headers: { ...CSRF, ...cookieHeader(second) },
    });
    expect(again.status, again.text).toBe(200);
  });

  it('the second step of an MFA login sets the cookie too', async () => {
    const user = await createMfaUser();
    const mfaToken = await startMfaLogin(user);
    const step = await stableStep();
    const code = await totpAt(user.secret, Math.max(step, user.enrolledStep + 1));
    const res = await api('POST', '/mfa/verify?transport=cookie', {
      json: { mfa_token: mfaToken, code },
      headers: CSRF,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.refresh_token).toBeUndefined();
    const refreshed = await api('POST', '/auth/refresh?transport=cookie', {
      headers: { ...CSRF, ...cookieHeader(refreshCookie(res).value) },
    });
    expect(refreshed.status, refreshed.text).toBe(200);
  });

  it('logout ends the cookie session and clears the cookie', async () => {
    const user = await createUser();
    const login = await cookieLogin(user);
    const value = refreshCookie(login).value;
    const res = await api('POST', '/auth/logout?transport=cookie', {
      headers: { ...CSRF, ...cookieHeader(value) },
    });
    expect(res.status, res.text).toBe(200);
    const cleared = refreshCookie(res);
    expect(cleared.value).toBe('');
    expect(cleared.attributes).toEqual(expect.arrayContaining(['Max-Age=0', 'Path=/', 'Secure']));
    const verified = await api('GET', '/auth/verify', { token: login.body.access_token });
    expectError(verified, 401, 'SESSION_REVOKED');
  });

  it('the cookie name and SameSite follow the configuration', async () => {
    const user = await createUser();
    const res = await apiWithEnv(
      { REFRESH_COOKIE_NAME: '__Host-app-refresh', REFRESH_COOKIE_SAMESITE: 'None' },
      'POST',
      '/auth/login?transport=cookie',
      { json: creds(user), headers: CSRF },
    );
    expect(res.status, res.text).toBe(200);
    const header = res.headers.getSetCookie()[0] ?? '';
    expect(header).toMatch(/^__Host-app-refresh=/);
    expect(header).toMatch(/SameSite=None/);
    expect(header).toMatch(/Secure/);
  });

  it('refuses an unknown transport with 422', async () => {
    const user = await createUser();
    const res = await api('POST', '/auth/login?transport=header', {
      json: creds(user),
      headers: CSRF,
    });
    expectError(res, 422, 'VALIDATION_ERROR');
  });
});

describe('cookie transport: attacks', () => {
  it('refresh by cookie without X-CSRF-Protection is refused and rotates nothing', async () => {
    const user = await createUser();
    const value = refreshCookie(await cookieLogin(user)).value;
    for (const headers of [{}, { 'X-CSRF-Protection': '0' }] as Record<string, string>[]) {
      const res = await api('POST', '/auth/refresh?transport=cookie', {
        headers: { ...headers, ...cookieHeader(value) },
      });
      expectError(res, 403, 'CSRF_REJECTED');
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    // The cookie was not spent: a legitimate refresh still works.
    const ok = await api('POST', '/auth/refresh?transport=cookie', {
      headers: { ...CSRF, ...cookieHeader(value) },
    });
    expect(ok.status, ok.text).toBe(200);
  });

  it('refuses a foreign Origin on refresh, logout and login', async () => {
    const user = await createUser();
    const value = refreshCookie(await cookieLogin(user)).value;
    const evil = { ...CSRF, ...cookieHeader(value), Origin: 'https://evil.example' };
    expectError(
      await api('POST', '/auth/refresh?transport=cookie', { headers: evil }),
      403,
      'CSRF_REJECTED',
    );
    expectError(
      await api('POST', '/auth/logout?transport=cookie', { headers: evil }),
      403,
      'CSRF_REJECTED',
    );
    expectError(
      await api('POST', '/auth/login?transport=cookie', { json: creds(user), headers: evil }),
      403,
      'CSRF_REJECTED',
    );
    expectError(
      await api('POST', '/auth/login?transport=cookie', { json: creds(user) }),
      403,
      'CSRF_REJECTED',
    );
    // Logout was refused: the session still refreshes.
    const ok = await api('POST', '/auth/refresh?transport=cookie', {
      headers: { ...CSRF, ...cookieHeader(value), Origin: 'http://auth.test' },
    });
    expect(ok.status, ok.text).toBe(200);
  });

  it("accepts the service's own origins: the request's and the issuer's", async () => {
    const user = await createUser();
    let value = refreshCookie(await cookieLogin(user)).value;
    for (const origin of ['http://auth.test', 'http://localhost:8787']) {
      const res = await api('POST', '/auth/refresh?transport=cookie', {
        headers: { ...CSRF, ...cookieHeader(value), Origin: origin },
      });
      expect(res.status, `${origin}: ${res.text}`).toBe(200);
      value = refreshCookie(res).value;
    }
  });

  it('a replayed cookie after rotation ends the session (reuse detection)', async () => {
    const user = await createUser();
    const login = await cookieLogin(user);
    const first = refreshCookie(login).value;
    const noGrace = { REFRESH_REUSE_INTERVAL_SECONDS: '0' };
    const rotated = await apiWithEnv(noGrace, 'POST', '/auth/refresh?transport=cookie', {
      headers: { ...CSRF, ...cookieHeader(first) },
    });
    expect(rotated.status, rotated.text).toBe(200);
    const second = refreshCookie(rotated).value;
    const replay = await apiWithEnv(noGrace, 'POST', '/auth/refresh?transport=cookie', {
      headers: { ...CSRF, ...cookieHeader(first) },
    });
    expectError(replay, 401, 'SESSION_REVOKED');
    expect(refreshCookie(replay).value).toBe('');
    // The whole session ended: the newest cookie and the access token are dead too.
    const newest = await api('POST', '/auth/refresh?transport=cookie', {
      headers: { ...CSRF, ...cookieHeader(second) },
    });
    expect(newest.status, newest.text).toBe(401);
    const verified = await api('GET', '/auth/verify', { token: rotated.body.access_token });
    expectError(verified, 401, 'SESSION_REVOKED');
  });

  it('a cookie kept after logout no longer refreshes', async () => {
    const user = await createUser();
    const value = refreshCookie(await cookieLogin(user)).value;
    const out = await api('POST', '/auth/logout?transport=cookie', {
      headers: { ...CSRF, ...cookieHeader(value) },
    });
    expect(out.status, out.text).toBe(200);
    const res = await api('POST', '/auth/refresh?transport=cookie', {
      headers: { ...CSRF, ...cookieHeader(value) },
    });
    expect(res.status, res.text).toBe(401);
    expect(res.body.access_token).toBeUndefined();
  });

  it('refresh by cookie without a cookie is 401, without a body and cookie transport 400', async () => {
    expectError(
      await api('POST', '/auth/refresh?transport=cookie', { headers: CSRF }),
      401,
      'INVALID_TOKEN',
    );
    expectError(await api('POST', '/auth/refresh'), 400, 'BAD_REQUEST');
  });

  it('the body transport ignores the cookie', async () => {
    const { refresh_token } = await createSignedInUser();
    const user = await createUser();
    const value = refreshCookie(await cookieLogin(user)).value;
    const res = await api('POST', '/auth/refresh', {
      json: { refresh_token },
      headers: cookieHeader(value),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    // The cookie's session was not touched by that call: it still rotates.
    const ok = await api('POST', '/auth/refresh?transport=cookie', {
      headers: { ...CSRF, ...cookieHeader(value) },
    });
    expect(ok.status, ok.text).toBe(200);
  });
});

describe('CORS with credentials', () => {
  it('allows credentials and the CSRF header for configured origins only', async () => {
    const preflight = (origin: string) =>
      api('OPTIONS', '/auth/refresh?transport=cookie', {
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'x-csrf-protection',
        },
      });
    const allowed = await preflight(APP);
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe(APP);
    expect(allowed.headers.get('Access-Control-Allow-Credentials')).toBe('true');
    expect(allowed.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toContain(
      'x-csrf-protection',
    );
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(foreign.headers.get('Access-Control-Allow-Credentials')).toBeNull();
    const simple = await api('GET', '/health', { headers: { Origin: 'https://evil.example' } });
    expect(simple.headers.get('Access-Control-Allow-Credentials')).toBeNull();
  });
});
