import { describe, expect, it } from 'vitest';
import { adminGrantStatements } from '../scripts/admin-grant.mjs';
import { api, createUser, env, expectError, signIn, STRONG_PASSWORD, uniqueEmail } from './helpers';
import { expectAllRevoked, serviceHeaders } from './helpers-admin';
import { latestToken, VERIFY_SUBJECT } from './helpers-mail';

// security.md "Deployment and privileges": verifying an address never hands privileges to a
// password someone else chose. The only way to an admin is the operator's grant
// (`npm run admin -- grant EMAIL`), whose SQL these tests run against the real D1.

const OWNER_PASSWORD = 'Owner-Chosen-Pass-7';

/** What `npm run admin -- grant EMAIL` does to the database; returns the link's token. */
async function operatorGrants(email: string) {
  const { token, statements } = await adminGrantStatements(email);
  await env.DB.batch(statements.map((sql) => env.DB.prepare(sql)));
  return token;
}

const isAdmin = async (accessToken: string) => {
  const res = await api('GET', '/admin/roles', { token: accessToken });
  expect([200, 403], res.text).toContain(res.status);
  return res.status === 200;
};

const login = (email: string, password: string) =>
  api('POST', '/auth/login', { json: { email, password } });

const redeem = (token: string, new_password = OWNER_PASSWORD) =>
  api('POST', '/auth/reset-password', { json: { token, new_password } });

describe('account pre-hijacking of an admin address', () => {
  it('gives nothing to an attacker who registered the address first, when its owner verifies it', async () => {
    const email = uniqueEmail('boss');
    const attacker = await createUser({ email, password: 'Attacker-Chosen-9' });
    // The real owner receives the verification mail and clicks it.
    const link = await latestToken(email, VERIFY_SUBJECT);
    expect((await api('POST', '/auth/verify-email', { json: { token: link } })).status).toBe(200);
    const session = await signIn(attacker);
    expect(await isAdmin(session.access_token)).toBe(false);
  });

  it("hands admin only to whoever sets the password through the operator's link, ending the attacker's sessions", async () => {
    const email = uniqueEmail('boss');
    const attacker = await createUser({ email, password: 'Attacker-Chosen-9' });
    const attackerSession = await signIn(attacker);

    const token = await operatorGrants(email);
    // Pending grant: the attacker's password still opens a plain account, nothing more.
    const before = await signIn(attacker);
    expect(await isAdmin(before.access_token)).toBe(false);

    expect((await redeem(token)).status).toBe(200);
    await expectAllRevoked([attackerSession.access_token, before.access_token]);
    expectError(await login(email, attacker.password), 401, 'INVALID_CREDENTIALS');
    const owner = await signIn({ email, password: OWNER_PASSWORD });
    expect(await isAdmin(owner.access_token)).toBe(true);
  });

  it('gives nothing to a service-created, unverified account when the address is verified', async () => {
    const email = uniqueEmail('boss');
    const created = await api('POST', '/users/profile', {
      headers: serviceHeaders(),
      json: { email, password: STRONG_PASSWORD, roles: ['user'] },
    });
    expect(created.status, created.text).toBe(201);
    const session = await signIn({ email, password: STRONG_PASSWORD });
    expect(await isAdmin(session.access_token)).toBe(false);
  });
});

describe('the operator grant', () => {
  it('creates an account that no password opens until the link sets one', async () => {
    const email = uniqueEmail('founder');
    const token = await operatorGrants(email);
    for (const password of [STRONG_PASSWORD, '!admin-grant-pending', '']) {
      const res = await login(email, password);
      expect([401, 422], res.text).toContain(res.status);
    }
    // The address is taken: nobody can register it in the meantime.
    const squat = await api('POST', '/auth/register', {
      json: { email, password: STRONG_PASSWORD },
    });
    expectError(squat, 409, 'USER_EXISTS');

    expect((await redeem(token)).status).toBe(200);
    const owner = await signIn({ email, password: OWNER_PASSWORD });
    expect(await isAdmin(owner.access_token)).toBe(true);
  });

  it('is single use, and a newer grant replaces an older one', async () => {
    const email = uniqueEmail('founder');
    const first = await operatorGrants(email);
    const second = await operatorGrants(email);
    expectError(await redeem(first), 401, 'INVALID_TOKEN');
    expect((await redeem(second)).status).toBe(200);
    expectError(await redeem(second, 'Another-Owner-Pass-8'), 401, 'INVALID_TOKEN');
  });

  it('is refused once expired', async () => {
    const email = uniqueEmail('founder');
    const { token, statements } = await adminGrantStatements(email, Date.now() - 25 * 3600_000);
    await env.DB.batch(statements.map((sql) => env.DB.prepare(sql)));
    expectError(await redeem(token), 401, 'INVALID_TOKEN');
  });

  it('applies the password policy before granting anything', async () => {
    const email = uniqueEmail('founder');
    const token = await operatorGrants(email);
    expectError(await redeem(token, 'password'), 422, 'WEAK_PASSWORD');
    // The link still works for a good password.
    expect((await redeem(token)).status).toBe(200);
  });

  it('refuses an address that could smuggle SQL', async () => {
    await expect(adminGrantStatements("x'); DROP TABLE users; --@example.com")).rejects.toThrow();
    await expect(adminGrantStatements('not-an-address')).rejects.toThrow();
  });
});
