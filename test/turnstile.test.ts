import { describe, expect, it } from 'vitest';
import { FAIL_SECRET, PASS_SECRET, PASS_SITE_KEY, TURNSTILE_HOST } from './fake-turnstile';
import { serviceHeaders } from './helpers-admin';
import { api, apiWithEnv, createUser, expectError, STRONG_PASSWORD, uniqueEmail } from './helpers';

// Issue 29, api.md "Abuse defenses": Cloudflare Turnstile on register, login, forgot-password
// and email sign-in, with siteverify faked at the network edge (test/fake-turnstile.ts) and
// Cloudflare's published test secrets.

const TOKEN = 'XXXX.DUMMY.TOKEN.XXXX';
const IP = '203.0.113.77';

/** The vars of a deployment with Turnstile on, verifying at `host` with `secret`. */
const on = (host: string, secret = PASS_SECRET) => ({
  TURNSTILE_SECRET: secret,
  TURNSTILE_SITE_KEY: PASS_SITE_KEY,
  TURNSTILE_VERIFY_URL: `https://${host}/siteverify`,
});

const post = (
  vars: Record<string, string>,
  path: string,
  json: Record<string, unknown>,
  headers: Record<string, string> = {},
) => apiWithEnv(vars, 'POST', path, { json, headers: { 'CF-Connecting-IP': IP, ...headers } });

async function verifyCalls(host: string) {
  const res = await fetch(`https://${TURNSTILE_HOST}/calls?host=${host}`);
  return res.json<{ fields: Record<string, string> }[]>();
}

const routes = [
  ['/auth/register', () => ({ email: uniqueEmail('ts'), password: STRONG_PASSWORD }), 201],
  ['/auth/forgot-password', () => ({ email: uniqueEmail('ts') }), 202],
  ['/auth/email/start', () => ({ email: uniqueEmail('ts') }), 202],
] as const;

describe('Turnstile off (no TURNSTILE_SECRET)', () => {
  it('asks for no token, and a token sent anyway is accepted by the strict schemas', async () => {
    const user = await createUser();
    const res = await api('POST', '/auth/login', {
      json: { email: user.email, password: user.password, 'cf-turnstile-response': TOKEN },
    });
    expect(res.status, res.text).toBe(200);
  });
});

describe('Turnstile on', () => {
  for (const [path, body, ok] of routes) {
    it(`${path}: 403 CAPTCHA_FAILED without a token, and no call to siteverify`, async () => {
      const host = `missing${path.replaceAll('/', '-')}.${TURNSTILE_HOST}`;
      expectError(await post(on(host), path, body()), 403, 'CAPTCHA_FAILED');
      expect(await verifyCalls(host)).toEqual([]);
    });

    it(`${path}: ${ok} with a token that siteverify accepts`, async () => {
      const host = `pass${path.replaceAll('/', '-')}.${TURNSTILE_HOST}`;
      const res = await post(on(host), path, { ...body(), 'cf-turnstile-response': TOKEN });
      expect(res.status, res.text).toBe(ok);
      const [call, ...more] = await verifyCalls(host);
      expect(more).toEqual([]);
      expect(call!.fields).toEqual({
        secret: PASS_SECRET,
        response: TOKEN,
        remoteip: IP,
        idempotency_key: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
    });
  }

  it('no account is created for a sign-up without a token', async () => {
    const email = uniqueEmail('bot');
    const vars = on(`bot.${TURNSTILE_HOST}`);
    expectError(
      await post(vars, '/auth/register', { email, password: STRONG_PASSWORD }),
      403,
      'CAPTCHA_FAILED',
    );
    // The same address registers once a human shows up: nothing was kept of the first try.
    const res = await post(vars, '/auth/register', {
      email,
      password: STRONG_PASSWORD,
      'cf-turnstile-response': TOKEN,
    });
    expect(res.status, res.text).toBe(201);
  });

  it('login takes the token from the CF-Turnstile-Response header too', async () => {
    const user = await createUser();
    const vars = on(`header.${TURNSTILE_HOST}`);
    const credentials = { email: user.email, password: user.password };
    expectError(await post(vars, '/auth/login', credentials), 403, 'CAPTCHA_FAILED');
    const res = await post(vars, '/auth/login', credentials, { 'CF-Turnstile-Response': TOKEN });
    expect(res.status, res.text).toBe(200);
    expect(res.body.access_token).toEqual(expect.any(String));
  });

  it('a refused token is 403 CAPTCHA_FAILED, before the password is even checked', async () => {
    const user = await createUser();
    const vars = on(`refused.${TURNSTILE_HOST}`, FAIL_SECRET);
    for (let i = 0; i < 6; i++) {
      const res = await post(vars, '/auth/login', {
        email: user.email,
        password: 'Wrong-Password-1',
        'cf-turnstile-response': TOKEN,
      });
      expectError(res, 403, 'CAPTCHA_FAILED');
    }
    // Six refused bots spent no lockout slot: the owner still signs in.
    const res = await post(on(`refused-after.${TURNSTILE_HOST}`), '/auth/login', {
      email: user.email,
      password: user.password,
      'cf-turnstile-response': TOKEN,
    });
    expect(res.status, res.text).toBe(200);
  });

  for (const kind of ['down', 'garbage']) {
    it(`a siteverify that is ${kind} is 503 with Retry-After, never a pass`, async () => {
      const host = `${kind}.${TURNSTILE_HOST}`;
      const res = await post(on(host), '/auth/register', {
        email: uniqueEmail('ts'),
        password: STRONG_PASSWORD,
        'cf-turnstile-response': TOKEN,
      });
      expectError(res, 503, 'DEPENDENCY_UNAVAILABLE');
      expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
    });
  }

  it('retries a lost verification once with the same idempotency key', async () => {
    const host = `flaky.${TURNSTILE_HOST}`;
    const res = await post(on(host), '/auth/forgot-password', {
      email: uniqueEmail('ts'),
      'cf-turnstile-response': TOKEN,
    });
    expect(res.status, res.text).toBe(202);
    const calls = await verifyCalls(host);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.fields.idempotency_key).toBe(calls[0]!.fields.idempotency_key);
  });

  it('refuses to start with the secret but no site key: the pages could not render the widget', async () => {
    const res = await apiWithEnv(
      { ...on(TURNSTILE_HOST), TURNSTILE_SITE_KEY: '' },
      'GET',
      '/health',
      {
        headers: serviceHeaders(),
      },
    );
    expect(res.status).toBe(503);
    expect((res.body.problems as string[]).join('\n')).toContain('TURNSTILE_SITE_KEY');
  });
});
