import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  ageSession,
  api,
  createSignedInUser,
  createUser,
  expectError,
  signIn,
  STRONG_PASSWORD,
} from './helpers';
import { createVerifiedUser, verifyEmailOf } from './helpers-orgs';
import { createMfaUser } from './helpers-mfa';
import { addPasskey } from './helpers-webauthn';
import {
  callback,
  driveOidc,
  exchange,
  handmadeCode,
  loginCodeOf,
  newAccount,
  RETURN_TO,
  signInVia,
  useTestProviders,
  viaHandmade,
  viaOidc,
} from './helpers-oauth';

useTestProviders();

const userIdOf = (tokens: { access_token: string }) => String(decodeJwt(tokens.access_token).sub);

describe('which account a provider identity signs into', () => {
  it('joins a verified account when the provider vouches for the address', async () => {
    const user = await createVerifiedUser();
    const tokens = await signInVia(newAccount({ email: user.email }));
    expect(userIdOf(tokens)).toBe(user.id);
    // Nothing of the account was touched: its password still works.
    expect((await signIn(user)).access_token).toBeTruthy();
  });

  it('answers account_exists when the provider does not vouch for the address', async () => {
    const user = await createVerifiedUser();
    const back = await viaOidc(newAccount({ email: user.email, email_verified: false }));
    expect(back.searchParams.get('error')).toBe('account_exists');
    expect(back.searchParams.get('login_code')).toBeNull();
    const listed = await api('GET', '/auth/identities', { token: user.access_token });
    expect(listed.body.items).toEqual([]);
  });

  it('pre-hijack: an unverified account’s password and sessions go when the owner signs in', async () => {
    // The attacker registers the victim's address with a password and never verifies it.
    const attacker = await createSignedInUser();
    const victim = newAccount({ email: attacker.email });
    const tokens = await signInVia(victim);
    expect(userIdOf(tokens)).toBe(attacker.id);
    expectError(
      await api('POST', '/auth/login', {
        json: { email: attacker.email, password: STRONG_PASSWORD },
      }),
      401,
      'INVALID_CREDENTIALS',
    );
    const refresh = await api('POST', '/auth/refresh', {
      json: { refresh_token: attacker.refresh_token },
    });
    expect(refresh.status).toBe(401);
    const me = await api('GET', '/auth/me', { token: tokens.access_token });
    expect(me.body.email_verified).toBe(true);
  });

  it('pre-hijack the other way round: the owner came first, the attacker cannot register', async () => {
    const victim = newAccount();
    await signInVia(victim);
    const register = await api('POST', '/auth/register', {
      json: { email: victim.email, password: STRONG_PASSWORD },
    });
    expect(register.status).not.toBe(201);
    const login = await api('POST', '/auth/login', {
      json: { email: victim.email, password: STRONG_PASSWORD },
    });
    expectError(login, 401, 'INVALID_CREDENTIALS');
  });

  it('an unverified provider email makes an unverified account', async () => {
    const email = `unverified-${crypto.randomUUID()}@example.com`;
    const back = await viaHandmade({ sub: crypto.randomUUID(), email, email_verified: false });
    const res = await exchange(loginCodeOf(back));
    expect(res.status, res.text).toBe(200);
    const me = await api('GET', '/auth/me', { token: res.body.access_token });
    expect(me.body.email_verified).toBe(false);
  });
});

describe('the second factor after a federated sign-in', () => {
  it('still applies: the exchange answers the MFA step', async () => {
    const user = await createMfaUser();
    await verifyEmailOf(user);
    const res = await exchange(loginCodeOf(await viaOidc(newAccount({ email: user.email }))));
    expect(res.status, res.text).toBe(200);
    expect(res.body.mfa_required).toBe(true);
    expect(res.body.methods).toEqual([expect.objectContaining({ type: 'totp' })]);
  });

  it('is skipped only when the provider asserts mfa and the deployment trusts it', async () => {
    const user = await createMfaUser();
    await verifyEmailOf(user);
    const claims = () => ({
      sub: `mfa-${user.id}`,
      email: user.email,
      email_verified: true,
      amr: ['mfa'],
    });
    const untrusted = await exchange(loginCodeOf(await viaHandmade(claims())));
    expect(untrusted.body.mfa_required).toBe(true);
    const trusted = await exchange(
      loginCodeOf(
        await viaHandmade({ ...claims(), sub: `mfa2-${user.id}` }, { provider: 'handmade_mfa' }),
      ),
    );
    expect(trusted.status, trusted.text).toBe(200);
    expect(decodeJwt(trusted.body.access_token).amr).toEqual(['fed', 'mfa']);
  });
});

describe('linking and unlinking', () => {
  it('links from a signed-in session; the identity then signs into that account', async () => {
    const user = await createSignedInUser();
    const link = await api('POST', '/auth/identities/oidc/link', {
      token: user.access_token,
      json: { return_to: RETURN_TO },
    });
    expect(link.status, link.text).toBe(200);
    const account = newAccount();
    const back = await callback(await driveOidc(new URL(link.body.authorize_url), account));
    expect(back.searchParams.get('linked')).toBe('oidc');
    expect(back.searchParams.get('login_code')).toBeNull();
    const listed = await api('GET', '/auth/identities', { token: user.access_token });
    expect(listed.body.items).toEqual([
      expect.objectContaining({ provider: 'oidc', subject: account.sub }),
    ]);
    expect(userIdOf(await signInVia(account))).toBe(user.id);
  });

  it('never moves an identity linked to another account', async () => {
    const owner = newAccount();
    const ownerId = userIdOf(await signInVia(owner));
    const other = await createSignedInUser();
    const link = await api('POST', '/auth/identities/oidc/link', { token: other.access_token });
    const back = await callback(await driveOidc(new URL(link.body.authorize_url), owner));
    expect(back.searchParams.get('error')).toBe('identity_in_use');
    expect(userIdOf(await signInVia(owner))).toBe(ownerId);
  });

  it('needs re-authentication to link once the sign-in is older than 5 minutes', async () => {
    const user = await createSignedInUser();
    await ageSession(user.id, user.access_token, 10);
    const stale = await api('POST', '/auth/identities/oidc/link', { token: user.access_token });
    expectError(stale, 401, 'INVALID_CREDENTIALS');
    const confirmed = await api('POST', '/auth/identities/oidc/link', {
      token: user.access_token,
      json: { password: user.password },
    });
    expect(confirmed.status, confirmed.text).toBe(200);
  });

  it('refuses to unlink the last way into an account without a password', async () => {
    const account = newAccount();
    const tokens = await signInVia(account);
    const [identity] = (await api('GET', '/auth/identities', { token: tokens.access_token })).body
      .items;
    const last = await api('DELETE', `/auth/identities/${identity.identity_id}`, {
      token: tokens.access_token,
    });
    expectError(last, 409, 'LAST_SIGN_IN_METHOD');
    // With a second identity linked, the first may go.
    const link = await api('POST', '/auth/identities/handmade/link', {
      token: tokens.access_token,
    });
    const url = new URL(link.body.authorize_url);
    const code = await handmadeCode(url, { sub: crypto.randomUUID(), email: account.email });
    const linked = await callback(
      `http://auth.test/auth/oauth/handmade/callback?code=${code}&state=${url.searchParams.get('state')}`,
    );
    expect(linked.searchParams.get('linked')).toBe('handmade');
    const gone = await api('DELETE', `/auth/identities/${identity.identity_id}`, {
      token: tokens.access_token,
    });
    expect(gone.status, gone.text).toBe(204);
    const after = await api('GET', '/auth/identities', { token: tokens.access_token });
    expect(after.body.items.map((i: { provider: string }) => i.provider)).toEqual(['handmade']);
  });

  it('unlinks freely when the account has a password; 404 for another user’s identity', async () => {
    const user = await createUser();
    await verifyEmailOf(user);
    const tokens = await signInVia(newAccount({ email: user.email }));
    const [identity] = (await api('GET', '/auth/identities', { token: tokens.access_token })).body
      .items;
    const stranger = await createSignedInUser();
    const foreign = await api('DELETE', `/auth/identities/${identity.identity_id}`, {
      token: stranger.access_token,
    });
    expectError(foreign, 404, 'NOT_FOUND');
    const res = await api('DELETE', `/auth/identities/${identity.identity_id}`, {
      token: tokens.access_token,
    });
    expect(res.status, res.text).toBe(204);
  });
});

describe('other ways in count the identities', () => {
  it('lets an account without a password remove its passkey while an identity is linked', async () => {
    const tokens = await signInVia(newAccount());
    const { passkeyId } = await addPasskey(tokens.access_token);
    const res = await api('DELETE', `/passkeys/${passkeyId}`, { token: tokens.access_token });
    expect(res.status, res.text).toBe(204);
  });

  it('counts a passkey as a way in when unlinking the last identity', async () => {
    const tokens = await signInVia(newAccount());
    await addPasskey(tokens.access_token);
    const [identity] = (await api('GET', '/auth/identities', { token: tokens.access_token })).body
      .items;
    const res = await api('DELETE', `/auth/identities/${identity.identity_id}`, {
      token: tokens.access_token,
    });
    expect(res.status, res.text).toBe(204);
  });
});
