import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createAuthClient } from '../client';
import { STRONG_PASSWORD, uniqueEmail } from './helpers';

// The repository's typed client (client/, generated from the served document) against the worker
// itself: a contract change that breaks clients fails typecheck or this test.
const auth = createAuthClient({
  baseUrl: 'https://auth.test',
  fetch: (request: Request) => exports.default.fetch(request),
});

describe('the typed HTTP client (client/)', () => {
  it('drives register → login → me → refresh → logout', async () => {
    const email = uniqueEmail('client');
    const registered = await auth.POST('/auth/register', {
      body: { email, password: STRONG_PASSWORD },
    });
    expect(registered.response.status).toBe(201);
    expect(registered.data?.email).toBe(email);

    const login = await auth.POST('/auth/login', { body: { email, password: STRONG_PASSWORD } });
    expect(login.response.status).toBe(200);
    const pair = login.data;
    // Without ?transport=cookie the answer is the pair (the AccessToken shape is cookie-only).
    if (!pair || !('refresh_token' in pair)) throw new Error('expected tokens, not an MFA step');
    const bearer = { Authorization: `Bearer ${pair.access_token}` };

    const me = await auth.GET('/auth/me', { headers: bearer });
    expect(me.data?.email).toBe(email);
    expect(me.data?.mfa.enabled).toBe(false);

    const refreshed = await auth.POST('/auth/refresh', {
      body: { refresh_token: pair.refresh_token },
    });
    expect(refreshed.response.status).toBe(200);
    const next = refreshed.data!;
    if (!('refresh_token' in next)) throw new Error('expected a token pair');
    expect(next.refresh_token).not.toBe(pair.refresh_token);

    const out = await auth.POST('/auth/logout', {
      headers: { Authorization: `Bearer ${next.access_token}` },
    });
    expect(out.response.status).toBe(200);
    const after = await auth.GET('/auth/verify', {
      headers: { Authorization: `Bearer ${next.access_token}` },
    });
    expect(after.response.status).toBe(401);
    expect(after.error?.error_code).toBe('SESSION_REVOKED');
  });

  it('types errors as the API’s error body', async () => {
    const wrong = await auth.POST('/auth/login', {
      body: { email: uniqueEmail('client'), password: 'Not-The-Password-1' },
    });
    expect(wrong.response.status).toBe(401);
    expect(wrong.error?.error_code).toBe('INVALID_CREDENTIALS');
    expect(wrong.data).toBeUndefined();
  });
});
