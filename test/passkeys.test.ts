import { describe, expect, it } from 'vitest';
import { ageSession, api, createSignedInUser, env, expectError, STRONG_PASSWORD } from './helpers';
import { addPasskey, SoftAuthenticator, signInWithPasskey } from './helpers-webauthn';
import { NO_PASSWORD_HASH } from '../src/lib/password';

const options = (token: string, json: Record<string, unknown> = {}) =>
  api('POST', '/passkeys/register/options', { token, json });
const verify = (token: string, json: Record<string, unknown>) =>
  api('POST', '/passkeys/register/verify', { token, json });

/** Makes the account passwordless, as an email sign-up leaves it (NO_PASSWORD_HASH). */
const dropPassword = (userId: string) =>
  env.DB.prepare('UPDATE users SET password_hash = ? WHERE id = ?')
    .bind(NO_PASSWORD_HASH, userId)
    .run();

const passkeyRows = async (userId: string) =>
  (await env.DB.prepare('SELECT id FROM passkeys WHERE user_id = ?').bind(userId).all()).results
    .length;

describe('passkey registration', () => {
  it('registers a passkey the library verifies, lists it and shows it in /auth/me', async () => {
    const user = await createSignedInUser();
    const { passkeyId } = await addPasskey(user.access_token, { name: 'Laptop' });
    const listed = await api('GET', '/passkeys', { token: user.access_token });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.items).toEqual([
      {
        passkey_id: passkeyId,
        name: 'Laptop',
        created_at: expect.any(String),
        last_used_at: null,
        backed_up: true,
        device_type: 'multiDevice',
        transports: ['internal', 'hybrid'],
      },
    ]);
    expect(listed.text).not.toMatch(/public_key|publicKey/);
    const me = await api('GET', '/auth/me', { token: user.access_token });
    expect(me.body.sign_in_methods).toEqual({ password: true, passkeys: 1, identities: [] });
  });

  it('asks for a discoverable credential, excludes the passkeys already there, and stores a device-bound one as such', async () => {
    const user = await createSignedInUser();
    const { authenticator } = await addPasskey(user.access_token, { synced: false });
    const res = await options(user.access_token);
    expect(res.body.options).toMatchObject({
      rp: { id: 'localhost', name: 'edge-auth' },
      user: { name: user.email },
      attestation: 'none',
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
      excludeCredentials: [expect.objectContaining({ id: authenticator.id, type: 'public-key' })],
    });
    const listed = await api('GET', '/passkeys', { token: user.access_token });
    expect(listed.body.items[0]).toMatchObject({ backed_up: false, device_type: 'singleDevice' });
  });

  it('needs re-authentication, as adding a second factor does', async () => {
    const user = await createSignedInUser();
    await ageSession(user.id, user.access_token, 10);
    expectError(await options(user.access_token), 401, 'INVALID_CREDENTIALS');
    expectError(
      await options(user.access_token, { password: 'Wrong-Pass-1' }),
      401,
      'INVALID_CREDENTIALS',
    );
    expect((await options(user.access_token, { password: STRONG_PASSWORD })).status).toBe(200);
    expectError(await api('POST', '/passkeys/register/options'), 401, 'INVALID_TOKEN');
  });

  it('refuses a used challenge, another origin and another RP ID: 401 PASSKEY_REJECTED', async () => {
    const user = await createSignedInUser();
    const token = user.access_token;
    // No options asked for: nothing to answer.
    const stray = await (await SoftAuthenticator.create()).register({ challenge: 'AAAA' });
    expectError(await verify(token, { response: stray }), 401, 'PASSKEY_REJECTED');

    for (const lie of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }]) {
      const started = await options(token);
      const response = await (await SoftAuthenticator.create()).register(started.body.options, lie);
      expectError(await verify(token, { response }), 401, 'PASSKEY_REJECTED');
      // The challenge was used up by the failure: the honest answer to it is refused too.
      const honest = await (await SoftAuthenticator.create()).register(started.body.options);
      expectError(await verify(token, { response: honest }), 401, 'PASSKEY_REJECTED');
    }
    // A replay of a response that succeeded.
    const started = await options(token);
    const response = await (await SoftAuthenticator.create()).register(started.body.options);
    expect((await verify(token, { response })).status).toBe(201);
    expectError(await verify(token, { response }), 401, 'PASSKEY_REJECTED');
    expect(await passkeyRows(user.id)).toBe(1);
  });

  it("refuses another user's open challenge", async () => {
    const [alice, mallory] = await Promise.all([createSignedInUser(), createSignedInUser()]);
    const started = await options(alice.access_token);
    const response = await (await SoftAuthenticator.create()).register(started.body.options);
    expectError(await verify(mallory.access_token, { response }), 401, 'PASSKEY_REJECTED');
    expect(await passkeyRows(mallory.id)).toBe(0);
  });

  it('refuses a credential registered already: 409', async () => {
    const user = await createSignedInUser();
    const { authenticator } = await addPasskey(user.access_token);
    const started = await options(user.access_token);
    const response = await authenticator.register(started.body.options);
    expectError(await verify(user.access_token, { response }), 409, 'CONFLICT');
  });

  it('answers 422 naming the malformed field', async () => {
    const user = await createSignedInUser();
    const started = await options(user.access_token);
    const response = await (await SoftAuthenticator.create()).register(started.body.options);
    const broken = {
      ...response,
      response: { ...response.response, attestationObject: 'not base64url!' },
    };
    const res = await verify(user.access_token, { response: broken });
    expectError(res, 422, 'VALIDATION_ERROR');
    expect(res.body.errors).toEqual([
      expect.objectContaining({ field: 'response.response.attestationObject' }),
    ]);
    const { type: _, ...untyped } = response;
    const missing = await verify(user.access_token, { response: untyped });
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'response.type' })]);
  });

  it('holds at most 20 passkeys per account', async () => {
    const user = await createSignedInUser();
    for (let i = 0; i < 20; i++) await addPasskey(user.access_token);
    expectError(await options(user.access_token), 409, 'CONFLICT');
    expect(await passkeyRows(user.id)).toBe(20);
  }, 60_000);
});

describe('renaming and removing passkeys', () => {
  it("renames one's own passkey, and no one else's", async () => {
    const [user, other] = await Promise.all([createSignedInUser(), createSignedInUser()]);
    const { passkeyId } = await addPasskey(user.access_token);
    const path = `/passkeys/${passkeyId}`;
    const renamed = await api('PATCH', path, { token: user.access_token, json: { name: 'Phone' } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body).toEqual({ passkey_id: passkeyId, name: 'Phone' });
    expectError(
      await api('PATCH', path, { token: other.access_token, json: { name: 'Mine' } }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await api('DELETE', path, { token: other.access_token, json: { password: STRONG_PASSWORD } }),
      404,
      'NOT_FOUND',
    );
    const listed = await api('GET', '/passkeys', { token: user.access_token });
    expect(listed.body.items.map((p: any) => p.name)).toEqual(['Phone']);
  });

  it('removes with re-authentication; the removed passkey no longer signs in', async () => {
    const user = await createSignedInUser();
    const { authenticator, passkeyId } = await addPasskey(user.access_token);
    await ageSession(user.id, user.access_token, 10);
    const path = `/passkeys/${passkeyId}`;
    expectError(
      await api('DELETE', path, { token: user.access_token }),
      401,
      'INVALID_CREDENTIALS',
    );
    const wrong = { token: user.access_token, json: { password: 'Wrong-Pass-1' } };
    expectError(await api('DELETE', path, wrong), 401, 'INVALID_CREDENTIALS');
    const right = { token: user.access_token, json: { password: STRONG_PASSWORD } };
    expect((await api('DELETE', path, right)).status).toBe(204);
    expectError(await signInWithPasskey(authenticator), 401, 'PASSKEY_REJECTED');
    const audit = await env.DB.prepare(
      "SELECT action FROM audit_events WHERE user_id = ? AND action LIKE 'passkey_%' ORDER BY created_at",
    )
      .bind(user.id)
      .all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(['passkey_added', 'passkey_removed']);
  });

  it('never removes the last way into an account without a password: 409 LAST_SIGN_IN_METHOD', async () => {
    const user = await createSignedInUser();
    const first = await addPasskey(user.access_token);
    const second = await addPasskey(user.access_token);
    await dropPassword(user.id);
    // A fresh passkey sign-in is the re-authentication of an account without a password.
    const signedIn = await signInWithPasskey(first.authenticator);
    const token = signedIn.body.access_token as string;
    const me = await api('GET', '/auth/me', { token });
    expect(me.body.sign_in_methods).toEqual({ password: false, passkeys: 2, identities: [] });
    // Two parallel removals of the last two: one goes, the other is refused.
    const [a, b] = await Promise.all([
      api('DELETE', `/passkeys/${first.passkeyId}`, { token }),
      api('DELETE', `/passkeys/${second.passkeyId}`, { token }),
    ]);
    expect([a.status, b.status].sort()).toEqual([204, 409]);
    expectError(a.status === 409 ? a : b, 409, 'LAST_SIGN_IN_METHOD');
    expect(await passkeyRows(user.id)).toBe(1);
  });
});
