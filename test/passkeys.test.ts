import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, env, expectError } from './helpers';
import {
  addPasskey,
  passkeyOptions,
  signInWithPasskey,
  SoftAuthenticator,
} from './helpers-webauthn';

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
    const me = await api('GET', '/auth/me', { token: user.access_token });
    expect(me.body.sign_in_methods).toEqual({ password: true, passkeys: 1, identities: [] });
  });
});

describe('passkey sign-in', () => {
  it('signs in with a discoverable passkey and user verification: amr hwk + user', async () => {
    const user = await createSignedInUser();
    const { authenticator } = await addPasskey(user.access_token);
    const res = await signInWithPasskey(authenticator);
    expect(res.status, res.text).toBe(200);
    expect(decodeJwt(res.body.access_token)).toMatchObject({ sub: user.id, amr: ['hwk', 'user'] });
  });
});
