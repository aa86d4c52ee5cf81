import { describe, expect, it } from 'vitest';
import { ageSession, api, createSignedInUser, expectError } from './helpers';
import { base32Decode, createMfaUser, stableStep, startMfaLogin, totpAt } from './helpers-mfa';

/**
 * security.md "Sign-in methods": a started but unfinished second step never locks the account
 * by itself; only wrong answers count, across every mfa_token of the account.
 */
const verifyMfa = (json: Record<string, unknown>, token?: string) =>
  api('POST', '/mfa/verify', { json, token });
const login = (user: { email: string; password: string }) =>
  api('POST', '/auth/login', { json: { email: user.email, password: user.password } });

describe('the lockout and the second step', () => {
  it('five right passwords without a second step lock nothing: a sixth signs in, any live token passes', async () => {
    const user = await createMfaUser();
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) tokens.push(await startMfaLogin(user));
    const sixth = await login(user);
    expect(sixth.status, sixth.text).toBe(200);
    expect(sixth.body.mfa_required).toBe(true);
    const step = await stableStep();
    const code = await totpAt(user.secret, Math.max(step, user.enrolledStep) + 1);
    const done = await verifyMfa({ mfa_token: tokens[0], code });
    expect(done.status, done.text).toBe(200);
    expect(done.body.access_token).toEqual(expect.any(String));
  });

  it('one backup code on five live tokens in parallel: exactly one 200, four 401, no lock', async () => {
    const user = await createMfaUser();
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) tokens.push(await startMfaLogin(user));
    const code = user.backupCodes[0]!;
    const results = await Promise.all(tokens.map((mfa_token) => verifyMfa({ mfa_token, code })));
    const statuses = results.map((r) => r.status);
    expect(
      statuses.filter((s) => s === 200),
      statuses.join(),
    ).toHaveLength(1);
    expect(
      statuses.filter((s) => s === 401),
      statuses.join(),
    ).toHaveLength(4);
    for (const r of results.filter((r) => r.status === 401))
      expect(r.body.error_code).toBe('INVALID_MFA_CODE');
    // Not locked: the password step still answers, and another backup code finishes it.
    const again = await startMfaLogin(user);
    const next = await verifyMfa({ mfa_token: again, code: user.backupCodes[1]! });
    expect(next.status, next.text).toBe(200);
  });

  it('wrong codes across tokens count toward the account lockout', async () => {
    const user = await createMfaUser();
    const first = await startMfaLogin(user);
    const second = await startMfaLogin(user);
    for (let i = 0; i < 3; i++)
      expectError(await verifyMfa({ mfa_token: first, code: '000000' }), 401, 'INVALID_MFA_CODE');
    expectError(await verifyMfa({ mfa_token: second, code: '000000' }), 401, 'INVALID_MFA_CODE');
    // The fifth wrong answer locks: the right password, and a right code on a live token, wait.
    expectError(await verifyMfa({ mfa_token: second, code: '000000' }), 401, 'INVALID_MFA_CODE');
    expectError(await login(user), 423, 'ACCOUNT_LOCKED');
    const right = await verifyMfa({ mfa_token: second, code: user.backupCodes[0]! });
    expectError(right, 423, 'ACCOUNT_LOCKED');
  });

  it('four wrong codes and a right one: the account is clear again', async () => {
    const user = await createMfaUser();
    const mfa_token = await startMfaLogin(user);
    for (let i = 0; i < 4; i++)
      expectError(await verifyMfa({ mfa_token, code: '000000' }), 401, 'INVALID_MFA_CODE');
    const done = await verifyMfa({ mfa_token, code: user.backupCodes[0]! });
    expect(done.status, done.text).toBe(200);
    const later = await startMfaLogin(user);
    for (let i = 0; i < 4; i++)
      expectError(await verifyMfa({ mfa_token: later, code: '000000' }), 401, 'INVALID_MFA_CODE');
    expect((await login(user)).status).toBe(200);
  });
});

describe('re-authentication of backup codes (issue 20 M2)', () => {
  it('a 330-second-old password-only session cannot regenerate; the password or a fresh second factor can', async () => {
    const user = await createMfaUser();
    await ageSession(user.id, user.access_token, 5.5);
    const path = '/mfa/backup-codes/regenerate';
    const stale = await api('POST', path, { token: user.access_token });
    expectError(stale, 401, 'INVALID_CREDENTIALS');
    const wrong = await api('POST', path, {
      token: user.access_token,
      json: { password: 'Wrong-Password-99' },
    });
    expectError(wrong, 401, 'INVALID_CREDENTIALS');
    // The owner's set still works: nothing was regenerated.
    const mfa_token = await startMfaLogin(user);
    const signedIn = await verifyMfa({ mfa_token, code: user.backupCodes[0]! });
    expect(signedIn.status, signedIn.text).toBe(200);
    // A session signed in with a second factor a moment ago needs no password.
    const fresh = await api('POST', path, { token: signedIn.body.access_token });
    expect(fresh.status, fresh.text).toBe(200);
    expect(fresh.body.codes).toHaveLength(10);
    const withPassword = await api('POST', path, {
      token: user.access_token,
      json: { password: user.password },
    });
    expect(withPassword.status, withPassword.text).toBe(200);
  });

  it('a fresh password-only session is not enough either', async () => {
    const user = await createMfaUser();
    const res = await api('POST', '/mfa/backup-codes/regenerate', { token: user.access_token });
    expectError(res, 401, 'INVALID_CREDENTIALS');
  });

  it('confirming a first factor ends the account’s other sessions, not the one confirming', async () => {
    const user = await createSignedInUser();
    const other = await login(user);
    expect(other.status).toBe(200);
    const setup = await api('POST', '/mfa/setup', {
      token: user.access_token,
      json: { type: 'totp' },
    });
    const secret = base32Decode(setup.body.secret);
    const confirmed = await verifyMfa(
      { method_id: setup.body.method_id, code: await totpAt(secret, await stableStep()) },
      user.access_token,
    );
    expect(confirmed.status, confirmed.text).toBe(200);
    expectError(
      await api('GET', '/auth/verify', { token: other.body.access_token }),
      401,
      'SESSION_REVOKED',
    );
    const refresh = await api('POST', '/auth/refresh', {
      json: { refresh_token: other.body.refresh_token },
    });
    expect(refresh.status).toBe(401);
    expect((await api('GET', '/auth/verify', { token: user.access_token })).status).toBe(200);
  });
});

describe('the re-authentication refusals are documented (issue 21 §6)', () => {
  it('DELETE /mfa/methods/{id} and regeneration answer only statuses the served document lists', async () => {
    const doc = (await api('GET', '/openapi.json')).body;
    const documented = (path: string, method: string) =>
      Object.keys(doc.paths[path][method].responses).map(Number);
    const user = await createMfaUser();
    await ageSession(user.id, user.access_token, 5.5);
    const token = user.access_token;
    const remove = `/mfa/methods/${user.methodId}`;
    const regenerate = '/mfa/backup-codes/regenerate';
    const refusals = [
      [remove, 'delete', await api('DELETE', remove, { token })],
      [remove, 'delete', await api('DELETE', remove, { token, json: { password: 'Wrong-1x' } })],
      [regenerate, 'post', await api('POST', regenerate, { token })],
      [regenerate, 'post', await api('POST', regenerate, { token, json: { password: 'x' } })],
    ] as const;
    for (const [path, method, res] of refusals) {
      expect([401, 403], res.text).toContain(res.status);
      expect(documented(path.replace(user.methodId, '{method_id}'), method)).toContain(res.status);
    }
  });
});
