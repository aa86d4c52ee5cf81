import { decodeJwt, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { deriveHmacKey } from '../src/lib/crypto';
import { CHALLENGE_KEY_INFO } from '../src/lib/secrets';
import { api, createSignedInUser, env, expectError, uniqueEmail } from './helpers';
import { createMfaUser, stableStep, totpAt } from './helpers-mfa';
import {
  addPasskey,
  passkeyOptions,
  signInWithPasskey,
  SoftAuthenticator,
} from './helpers-webauthn';

const verify = (json: Record<string, unknown>) => api('POST', '/auth/passkey/verify', { json });

/** A discoverable challenge_id as the worker seals it, expiring `seconds` from now. */
async function sealLike(challenge: string, seconds: number) {
  const key = await deriveHmacKey(
    new TextEncoder().encode(String(env.PASSWORD_PEPPER).trim()),
    CHALLENGE_KEY_INFO,
  );
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ chl: challenge, acc: null })
    .setProtectedHeader({ alg: 'HS256', typ: 'passkey-challenge+jwt' })
    .setJti(crypto.randomUUID())
    .setIssuedAt(now - 300)
    .setExpirationTime(now + seconds)
    .sign(key);
}

async function userWithPasskey(options: { synced?: boolean } = {}) {
  const user = await createSignedInUser();
  return { ...user, ...(await addPasskey(user.access_token, options)) };
}

const loginAs = (email: string) =>
  api('POST', '/auth/login', { json: { email, password: 'Vermilion-Otter-42' } });

describe('passkey sign-in', () => {
  it('signs in with a discoverable passkey and user verification: amr hwk + user', async () => {
    const user = await userWithPasskey();
    const res = await signInWithPasskey(user.authenticator);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('Cache-Control')).toContain('no-store');
    expect(decodeJwt(res.body.access_token)).toMatchObject({ sub: user.id, amr: ['hwk', 'user'] });
    const listed = await api('GET', '/passkeys', { token: res.body.access_token });
    expect(listed.body.items[0].last_used_at).toEqual(expect.any(String));
    // The refresh token works like any other.
    const refreshed = await api('POST', '/auth/refresh', {
      json: { refresh_token: res.body.refresh_token },
    });
    expect(refreshed.status, refreshed.text).toBe(200);
  });

  it('without user verification: amr hwk only', async () => {
    const user = await userWithPasskey();
    const res = await signInWithPasskey(user.authenticator, { uv: false });
    expect(res.status, res.text).toBe(200);
    expect(decodeJwt(res.body.access_token).amr).toEqual(['hwk']);
  });

  it('with MFA on: user verification is enough, without it the second step follows', async () => {
    const user = await createMfaUser();
    const fresh = await api('POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect(fresh.body.mfa_required).toBe(true);
    const { authenticator } = await addPasskey(user.access_token, { password: user.password });
    const full = await signInWithPasskey(authenticator);
    expect(full.status, full.text).toBe(200);
    expect(decodeJwt(full.body.access_token).amr).toEqual(['hwk', 'user']);
    const partial = await signInWithPasskey(authenticator, { uv: false });
    expect(partial.status, partial.text).toBe(200);
    expect(partial.body).toMatchObject({
      mfa_required: true,
      mfa_token: expect.any(String),
      methods: [{ method_id: user.methodId, type: 'totp' }],
    });
    expect(partial.body.access_token).toBeUndefined();
    // The second step adds its factor to the passkey's: no password was ever checked.
    const step = await stableStep();
    const mfa = await api('POST', '/mfa/verify', {
      json: {
        mfa_token: partial.body.mfa_token,
        code: await totpAt(user.secret, Math.max(step, user.enrolledStep) + 1),
      },
    });
    expect(mfa.status, mfa.text).toBe(200);
    expect(decodeJwt(mfa.body.access_token).amr).toEqual(['hwk', 'otp']);
  });

  it('lists the passkeys of a known email, and none for an unknown one or no email', async () => {
    const user = await userWithPasskey();
    const known = await passkeyOptions(user.email);
    expect(known.options.allowCredentials).toEqual([
      expect.objectContaining({ id: user.authenticator.id, type: 'public-key' }),
    ]);
    expect(known.options).toMatchObject({ rpId: 'localhost', userVerification: 'preferred' });
    expect((await passkeyOptions(uniqueEmail())).options.allowCredentials ?? []).toEqual([]);
    expect((await passkeyOptions()).options.allowCredentials ?? []).toEqual([]);
    // The challenge_id is sealed (a signed JWT): it names no account, even for a known email.
    const sealed = decodeJwt(known.challenge_id);
    expect(sealed).toMatchObject({ chl: known.options.challenge, acc: expect.any(String) });
    expect(known.challenge_id).not.toContain(user.id);
    expect(JSON.stringify(sealed)).not.toContain(user.id);
  });

  it('two parallel verifications of one challenge: exactly one signs in', async () => {
    const user = await userWithPasskey();
    const { challenge_id, options } = await passkeyOptions();
    const response = await user.authenticator.assert(options);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => verify({ challenge_id, response })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401, 401, 401]);
    for (const r of results.filter((r) => r.status === 401))
      expectError(r, 401, 'PASSKEY_REJECTED');
  });
});

describe('refused assertions: 401 PASSKEY_REJECTED', () => {
  it('a replayed challenge', async () => {
    const user = await userWithPasskey();
    const { challenge_id, options } = await passkeyOptions();
    const response = await user.authenticator.assert(options);
    expect((await verify({ challenge_id, response })).status).toBe(200);
    expectError(await verify({ challenge_id, response }), 401, 'PASSKEY_REJECTED');
    // A fresh challenge_id with an assertion signed over the used challenge.
    const next = await passkeyOptions();
    const stale = await user.authenticator.assert(next.options, { challenge: options.challenge });
    expectError(
      await verify({ challenge_id: next.challenge_id, response: stale }),
      401,
      'PASSKEY_REJECTED',
    );
  });

  it('an expired challenge', async () => {
    const user = await userWithPasskey();
    const { options } = await passkeyOptions();
    // A challenge sealed as the worker seals it (the test holds the pepper), expired a second
    // ago; the same one valid for a minute signs in, so only the expiry refuses the first.
    const [expired, valid] = await Promise.all([
      sealLike(options.challenge, -1),
      sealLike(options.challenge, 60),
    ]);
    const response = await user.authenticator.assert(options);
    expectError(await verify({ challenge_id: expired, response }), 401, 'PASSKEY_REJECTED');
    expect((await verify({ challenge_id: valid, response })).status).toBe(200);
  });

  it('another origin, another RP ID, an unknown credential, a counter that goes backwards', async () => {
    const user = await userWithPasskey();
    expectError(
      await signInWithPasskey(user.authenticator, { origin: 'https://evil.example' }),
      401,
      'PASSKEY_REJECTED',
    );
    expectError(
      await signInWithPasskey(user.authenticator, { rpId: 'evil.example' }),
      401,
      'PASSKEY_REJECTED',
    );
    expectError(await signInWithPasskey(await SoftAuthenticator.create()), 401, 'PASSKEY_REJECTED');
    // A good sign-in at counter 5, then a clone still at 3.
    expect((await signInWithPasskey(user.authenticator, { counter: 5 })).status).toBe(200);
    expectError(
      await signInWithPasskey(user.authenticator, { counter: 3 }),
      401,
      'PASSKEY_REJECTED',
    );
    expectError(
      await signInWithPasskey(user.authenticator, { counter: 5 }),
      401,
      'PASSKEY_REJECTED',
    );
    expect((await signInWithPasskey(user.authenticator, { counter: 6 })).status).toBe(200);
  });

  it("a user handle that is not the credential's account", async () => {
    const [alice, mallory] = await Promise.all([userWithPasskey(), userWithPasskey()]);
    alice.authenticator.userHandle = mallory.authenticator.userHandle;
    expectError(await signInWithPasskey(alice.authenticator), 401, 'PASSKEY_REJECTED');
    alice.authenticator.userHandle = null; // none sent: the credential alone names the account
    expect((await signInWithPasskey(alice.authenticator)).status).toBe(200);
  });

  it("a challenge opened for one account's passkeys, answered by another's", async () => {
    const [alice, mallory] = await Promise.all([userWithPasskey(), userWithPasskey()]);
    const { challenge_id, options } = await passkeyOptions(alice.email);
    const response = await mallory.authenticator.assert(options);
    expectError(await verify({ challenge_id, response }), 401, 'PASSKEY_REJECTED');
  });

  it("a known credential's failures lock the account, for the password too", async () => {
    const user = await userWithPasskey();
    for (let i = 0; i < 5; i++)
      expectError(
        await signInWithPasskey(user.authenticator, { origin: 'https://evil.example' }),
        401,
        'PASSKEY_REJECTED',
      );
    expectError(await signInWithPasskey(user.authenticator), 423, 'ACCOUNT_LOCKED');
    expectError(await loginAs(user.email), 423, 'ACCOUNT_LOCKED');
  });

  it('an unknown credential locks no account', async () => {
    const user = await userWithPasskey();
    const stranger = await SoftAuthenticator.create();
    for (let i = 0; i < 6; i++)
      expectError(await signInWithPasskey(stranger), 401, 'PASSKEY_REJECTED');
    expect((await signInWithPasskey(user.authenticator)).status).toBe(200);
  });

  it('malformed WebAuthn JSON: 422 naming the field', async () => {
    const user = await userWithPasskey();
    const { challenge_id, options } = await passkeyOptions();
    const response = await user.authenticator.assert(options);
    const { signature: _, ...unsigned } = response.response;
    const res = await verify({ challenge_id, response: { ...response, response: unsigned } });
    expectError(res, 422, 'VALIDATION_ERROR');
    expect(res.body.errors).toEqual([
      expect.objectContaining({ field: 'response.response.signature' }),
    ]);
    const noId = await verify({ response });
    expect(noId.body.errors).toEqual([expect.objectContaining({ field: 'challenge_id' })]);
  });
});
