import { exports } from 'cloudflare:workers';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { ageSession, api, apiWithEnv, createSignedInUser, expectError } from './helpers';
import { createSignedInAdmin, serviceHeaders } from './helpers-admin';
import { outbox } from './helpers-mail';
import { createMfaUser, startMfaLogin } from './helpers-mfa';

/** A fresh E.164 number; the fake provider treats one ending in 0000 as down. */
const uniquePhone = (ending = '1') =>
  `+1555${String(1_000_000 + Math.floor(Math.random() * 8_999_999))}${ending}`;

const codesSent = async (to: string) =>
  (await outbox(to)).filter((m) => /code is \d{6}/.test(m.body));

/** The newest 6-digit code sent to `to` (the development outbox holds it at response time). */
async function lastCode(to: string): Promise<string> {
  const [newest] = await codesSent(to);
  const match = /code is (\d{6})/.exec(newest?.body ?? '');
  expect(match, `a code sent to ${to}`).not.toBeNull();
  return match![1]!;
}

const setup = (token: string, json: Record<string, unknown>) =>
  api('POST', '/mfa/setup', { token, json });
const verify = (json: Record<string, unknown>, token?: string) =>
  api('POST', '/mfa/verify', { json, token });
const challenge = (mfa_token: string, method_id: string) =>
  api('POST', '/mfa/challenge', { json: { mfa_token, method_id } });

/** A signed-in user with an active email (or SMS) method. */
async function createCodeUser(type: 'email' | 'sms' = 'email') {
  const user = await createSignedInUser();
  const phone = uniquePhone();
  const to = type === 'email' ? user.email : phone;
  const started = await setup(user.access_token, type === 'email' ? { type } : { type, phone });
  expect(started.status, started.text).toBe(201);
  const methodId = started.body.method_id as string;
  const done = await verify({ method_id: methodId, code: await lastCode(to) }, user.access_token);
  expect(done.status, done.text).toBe(200);
  return { ...user, to, methodId, backupCodes: done.body.backup_codes as string[] };
}

describe('email and SMS enrolment', () => {
  it('sends a code to the account address; the method is pending until it comes back', async () => {
    const user = await createSignedInUser();
    const res = await setup(user.access_token, { type: 'email' });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(res.body).toEqual({
      method_id: expect.any(String),
      type: 'email',
      destination: `${user.email[0]}•••@example.com`,
      expires_in: 600,
    });
    const [message] = await outbox(user.email);
    expect(message!.subject).toBe('Your confirmation code');
    const listed = await api('GET', '/mfa/methods', { token: user.access_token });
    expect(listed.body.methods).toEqual([
      expect.objectContaining({ type: 'email', active: false, destination: res.body.destination }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(user.email);
    const wrong = await verify(
      { method_id: res.body.method_id, code: '000000' },
      user.access_token,
    );
    expectError(wrong, 401, 'INVALID_MFA_CODE');
    const code = await lastCode(user.email);
    const ok = await verify({ method_id: res.body.method_id, code }, user.access_token);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.backup_codes).toHaveLength(10);
    const again = await verify({ method_id: res.body.method_id, code }, user.access_token);
    expectError(again, 409, 'CONFLICT');
  });

  it('validates the phone number as E.164 and texts the code to it', async () => {
    const user = await createSignedInUser();
    for (const phone of ['4155550123', '+0123456789', '+1 415 555 0123', '+1234567', undefined]) {
      const res = await setup(user.access_token, { type: 'sms', phone });
      expectError(res, 422, 'VALIDATION_ERROR');
    }
    const phone = uniquePhone();
    const res = await setup(user.access_token, { type: 'sms', phone });
    expect(res.status, res.text).toBe(201);
    expect(res.body.destination).toBe(`${'•'.repeat(phone.length - 4)}${phone.slice(-4)}`);
    const [sms] = await outbox(phone);
    expect(sms!.channel).toBe('sms');
    const ok = await verify(
      { method_id: res.body.method_id, code: await lastCode(phone) },
      user.access_token,
    );
    expect(ok.status, ok.text).toBe(200);
  });

  it('kills a code after 5 wrong tries: the right one is refused then', async () => {
    const user = await createSignedInUser();
    const res = await setup(user.access_token, { type: 'email' });
    const code = await lastCode(user.email);
    const wrongCode = code === '111111' ? '222222' : '111111';
    for (let i = 0; i < 5; i++) {
      const wrong = await verify(
        { method_id: res.body.method_id, code: wrongCode },
        user.access_token,
      );
      expectError(wrong, 401, 'INVALID_MFA_CODE');
    }
    const late = await verify({ method_id: res.body.method_id, code }, user.access_token);
    expectError(late, 401, 'INVALID_MFA_CODE');
  });

  it('one code confirms once, even from 5 parallel verifies', async () => {
    const user = await createSignedInUser();
    const res = await setup(user.access_token, { type: 'email' });
    const code = await lastCode(user.email);
    const all = await Promise.all(
      Array.from({ length: 5 }, () =>
        verify({ method_id: res.body.method_id, code }, user.access_token),
      ),
    );
    expect(all.filter((r) => r.status === 200)).toHaveLength(1);
    expect(all.filter((r) => r.body.backup_codes).length).toBe(1);
  });

  it('needs re-authentication: an old session must send the password', async () => {
    const user = await createSignedInUser();
    await ageSession(user.id, user.access_token, 6);
    const bare = await setup(user.access_token, { type: 'totp' });
    expectError(bare, 401, 'INVALID_CREDENTIALS');
    const wrong = await setup(user.access_token, { type: 'totp', password: 'Not-The-One-42' });
    expectError(wrong, 401, 'INVALID_CREDENTIALS');
    expect((await api('GET', '/mfa/methods', { token: user.access_token })).body.methods).toEqual(
      [],
    );
    const ok = await setup(user.access_token, { type: 'totp', password: user.password });
    expect(ok.status, ok.text).toBe(201);
  });

  it('caps the codes sent per account and per destination (429 with Retry-After)', async () => {
    const user = await createSignedInUser();
    for (let i = 0; i < 5; i++) {
      expect((await setup(user.access_token, { type: 'email' })).status).toBe(201);
    }
    const sixth = await setup(user.access_token, { type: 'email' });
    expectError(sixth, 429, 'RATE_LIMITED');
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await codesSent(user.email)).toHaveLength(5);

    // One phone shared by two accounts: neither reaches its own cap, the number does.
    const phone = uniquePhone();
    const [a, b] = await Promise.all([createSignedInUser(), createSignedInUser()]);
    for (let i = 0; i < 3; i++) {
      expect((await setup(a.access_token, { type: 'sms', phone })).status).toBe(201);
    }
    for (let i = 0; i < 2; i++) {
      expect((await setup(b.access_token, { type: 'sms', phone })).status).toBe(201);
    }
    expectError(await setup(b.access_token, { type: 'sms', phone }), 429, 'RATE_LIMITED');
  });
});

describe('login with an email or SMS code', () => {
  it('lists the method at login, sends a code on /mfa/challenge, and the code signs in once', async () => {
    const user = await createCodeUser('email');
    const login = await api('POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect(login.body.methods).toEqual([{ method_id: user.methodId, type: 'email' }]);
    const mfa_token = login.body.mfa_token as string;
    const sent = await challenge(mfa_token, user.methodId);
    expect(sent.status, sent.text).toBe(202);
    expect(sent.body).toMatchObject({ method_id: user.methodId, type: 'email', expires_in: 600 });
    const [message] = await outbox(user.email);
    expect(message!.subject).toBe('Your sign-in code');
    const code = await lastCode(user.email);
    const ok = await verify({ mfa_token, code });
    expect(ok.status, ok.text).toBe(200);
    expect(decodeJwt(ok.body.access_token).amr).toEqual(['pwd', 'otp']);
    const replay = await verify({ mfa_token: await startMfaLogin(user), code });
    expectError(replay, 401, 'INVALID_MFA_CODE');
    const methods = await api('GET', '/mfa/methods', { token: ok.body.access_token });
    expect(methods.body.methods[0].last_used_at).not.toBeNull();
  });

  it('an SMS code signs in with amr ["pwd","sms"]', async () => {
    const user = await createCodeUser('sms');
    const mfa_token = await startMfaLogin(user);
    expect((await challenge(mfa_token, user.methodId)).status).toBe(202);
    const ok = await verify({ mfa_token, code: await lastCode(user.to), method_id: user.methodId });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.amr ?? decodeJwt(ok.body.access_token).amr).toEqual(['pwd', 'sms']);
    const verified = await api('GET', '/auth/verify', { token: ok.body.access_token });
    expect(verified.body.amr).toEqual(['pwd', 'sms']);
  });

  it('one login code redeemed by 5 parallel verifies succeeds exactly once', async () => {
    const user = await createCodeUser('email');
    const mfa_token = await startMfaLogin(user);
    await challenge(mfa_token, user.methodId);
    const code = await lastCode(user.email);
    const all = await Promise.all(Array.from({ length: 5 }, () => verify({ mfa_token, code })));
    // The wrong ones count toward the lockout too (the login's own slot is still taken): 401 or 423.
    expect(all.filter((r) => r.status === 200)).toHaveLength(1);
    expect(all.filter((r) => r.status === 401 || r.status === 423)).toHaveLength(4);
  });

  it('a code is bound to its login: another mfa_token, or an enrolment code, is refused', async () => {
    const user = await createCodeUser('email');
    const first = await startMfaLogin(user);
    const second = await startMfaLogin(user);
    await challenge(first, user.methodId);
    const code = await lastCode(user.email);
    expectError(await verify({ mfa_token: second, code }), 401, 'INVALID_MFA_CODE');
    expect((await verify({ mfa_token: first, code })).status).toBe(200);
  });

  it('a pending method does not count at login', async () => {
    const user = await createSignedInUser();
    await setup(user.access_token, { type: 'email' });
    const login = await api('POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect(login.body.mfa_required).toBeUndefined();
    expect(login.body.access_token).toEqual(expect.any(String));
  });

  it('a resend replaces the earlier code', async () => {
    const user = await createCodeUser('email');
    const mfa_token = await startMfaLogin(user);
    await challenge(mfa_token, user.methodId);
    const old = await lastCode(user.email);
    await challenge(mfa_token, user.methodId);
    const fresh = await lastCode(user.email);
    if (old !== fresh) expectError(await verify({ mfa_token, code: old }), 401, 'INVALID_MFA_CODE');
    expect((await verify({ mfa_token, code: fresh })).status).toBe(200);
  });

  it('refuses a dead mfa_token, a TOTP method, and a method of another account', async () => {
    const user = await createCodeUser('email');
    const totpUser = await createMfaUser();
    const mfa_token = await startMfaLogin(user);
    expectError(
      await challenge(`mfa.${user.id}.${'A'.repeat(43)}`, user.methodId),
      401,
      'INVALID_TOKEN',
    );
    expectError(await challenge(mfa_token, totpUser.methodId), 404, 'NOT_FOUND');
    const totpToken = await startMfaLogin(totpUser);
    expectError(await challenge(totpToken, totpUser.methodId), 422, 'VALIDATION_ERROR');
    expect(await codesSent(totpUser.email)).toEqual([]);
  });

  it('fails closed when the SMS provider is down: 503, no tokens, another factor still works', async () => {
    const user = await createSignedInUser();
    const phone = uniquePhone('0000');
    const started = await setup(user.access_token, { type: 'sms', phone });
    const done = await verify(
      { method_id: started.body.method_id, code: await lastCode(phone) },
      user.access_token,
    );
    expect(done.status, done.text).toBe(200);
    const mfa_token = await startMfaLogin(user);
    const twilio = {
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: 'AC-test',
      TWILIO_AUTH_TOKEN: 'test-token',
      SMS_FROM: '+15550000001',
    };
    const sent = await apiWithEnv(twilio, 'POST', '/mfa/challenge', {
      json: { mfa_token, method_id: started.body.method_id },
    });
    expectError(sent, 503, 'DEPENDENCY_UNAVAILABLE');
    expect(sent.body.access_token).toBeUndefined();
    const ok = await verify({ mfa_token, code: done.body.backup_codes[0] });
    expect(ok.status, ok.text).toBe(200);
  });
});

describe('operator reset and the account views', () => {
  it('/auth/me summarises the active methods; RPC verify and /auth/validate carry amr', async () => {
    const user = await createCodeUser('email');
    const mfa_token = await startMfaLogin(user);
    await challenge(mfa_token, user.methodId);
    const signedIn = await verify({ mfa_token, code: await lastCode(user.email) });
    const me = await api('GET', '/auth/me', { token: signedIn.body.access_token });
    expect(me.body.mfa).toEqual({
      enabled: true,
      methods: [{ method_id: user.methodId, type: 'email' }],
    });
    const plain = await createSignedInUser();
    const mePlain = await api('GET', '/auth/me', { token: plain.access_token });
    expect(mePlain.body.mfa).toEqual({ enabled: false, methods: [] });

    const rpc = await exports.AuthService.verify(signedIn.body.access_token);
    expect(rpc).toMatchObject({ valid: true, amr: ['pwd', 'otp'] });
    const validated = await api('POST', '/auth/validate', {
      headers: serviceHeaders(),
      json: { token: signedIn.body.access_token },
    });
    expect(validated.body).toMatchObject({ valid: true, amr: ['pwd', 'otp'] });
    const rpcPlain = await exports.AuthService.verify(plain.access_token);
    expect(rpcPlain).toMatchObject({ valid: true });
    expect('amr' in rpcPlain).toBe(false);
  });

  it('an admin or a service resets a user’s MFA: methods gone, sessions ended, audited', async () => {
    const user = await createCodeUser('email');
    const path = `/admin/users/${user.id}/mfa`;
    const bystander = await createSignedInUser();
    expectError(await api('DELETE', path, { token: bystander.access_token }), 403, 'FORBIDDEN');
    expectError(await api('DELETE', path, { token: user.access_token }), 403, 'FORBIDDEN');
    expectError(await api('DELETE', path), 401, 'INVALID_TOKEN');
    const pending = await startMfaLogin(user);

    const admin = await createSignedInAdmin();
    const reset = await api('DELETE', path, { token: admin.access_token });
    expect(reset.status, reset.text).toBe(204);
    expectError(
      await api('GET', '/auth/verify', { token: user.access_token }),
      401,
      'SESSION_REVOKED',
    );
    expectError(
      await verify({ mfa_token: pending, code: user.backupCodes[0]! }),
      401,
      'INVALID_TOKEN',
    );
    const login = await api('POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect(login.status, login.text).toBe(200);
    expect(login.body.access_token).toEqual(expect.any(String));
    const activity = await api('GET', `/users/${user.id}/activity`, { token: admin.access_token });
    const entry = activity.body.items.find((e: { action: string }) => e.action === 'mfa_reset');
    expect(entry).toMatchObject({ actor_id: admin.id, metadata: { by: 'admin' } });

    const byService = await api('DELETE', path, { headers: serviceHeaders() });
    expect(byService.status, byService.text).toBe(204);
    const unknown = await api('DELETE', `/admin/users/${crypto.randomUUID()}/mfa`, {
      headers: serviceHeaders(),
    });
    expectError(unknown, 404, 'NOT_FOUND');
  });

  it('removing a method: a session signed in with a second factor minutes ago needs no password', async () => {
    const user = await createCodeUser('email');
    const mfa_token = await startMfaLogin(user);
    await challenge(mfa_token, user.methodId);
    const signedIn = await verify({ mfa_token, code: await lastCode(user.email) });
    const token = signedIn.body.access_token as string;
    const path = `/mfa/methods/${user.methodId}`;
    await ageSession(user.id, token, 6);
    expectError(await api('DELETE', path, { token }), 401, 'INVALID_CREDENTIALS');
    await ageSession(user.id, token, -6);
    const ok = await api('DELETE', path, { token });
    expect(ok.status, ok.text).toBe(204);
  });
});
