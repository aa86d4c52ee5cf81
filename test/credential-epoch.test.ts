import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, createUser, env, expectError, signIn } from './helpers';
import { createSignedInAdmin } from './helpers-admin';
import { latestToken, RESET_SUBJECT } from './helpers-mail';

// security.md: "A login that checked the old password cannot create a session after a reset,
// password change, suspension or 'log out everywhere'". A login reads the hash, spends a
// PBKDF2 on it, then asks the SessionStore for a session; these tests force the interleaving
// where everything else happens in between, by calling the real SessionStore binding with the
// time that login would have verified the password at.

const NEW_PASSWORD = 'Umber-Falcon-58';

const store = (userId: string) => env.SESSIONS.get(env.SESSIONS.idFromName(userId));

/** What login asks the store for, with the password verified at `verifiedAt`. */
const createSession = (userId: string, verifiedAt: number) =>
  store(userId).create({
    sessionId: crypto.randomUUID(),
    refreshHash: `test-${crypto.randomUUID()}`,
    device: { ip: null, userAgent: 'EpochTest/1.0', country: null },
    ttlMs: 3_600_000,
    maxSessions: 10,
    verifiedAt,
    now: Date.now(),
  });

const liveSessionIds = async (userId: string) =>
  (await store(userId).list(Date.now())).map((s) => s.id);

const changePassword = (token: string, current: string) =>
  api('POST', '/auth/change-password', {
    token,
    json: { current_password: current, new_password: NEW_PASSWORD },
  });

describe('credential epoch: a login that verified the old password starts no session', () => {
  it('after a password change', async () => {
    const user = await createSignedInUser();
    const verifiedAt = Date.now() - 1; // the racing login has just checked the old password
    expect((await changePassword(user.access_token, user.password)).status).toBe(200);
    const before = await liveSessionIds(user.id);

    const outcome = await createSession(user.id, verifiedAt);
    expect(outcome).toEqual({ ok: false, reason: 'stale_credentials' });
    expect(await liveSessionIds(user.id)).toEqual(before);
    // The session that changed the password is not affected.
    expect(before).toHaveLength(1);
  });

  it('after a password reset (forgot-password link)', async () => {
    const user = await createUser();
    await api('POST', '/auth/forgot-password', { json: { email: user.email } });
    const token = await latestToken(user.email, RESET_SUBJECT);
    const verifiedAt = Date.now() - 1;
    const reset = await api('POST', '/auth/reset-password', {
      json: { token, new_password: NEW_PASSWORD },
    });
    expect(reset.status, reset.text).toBe(200);

    expect(await createSession(user.id, verifiedAt)).toEqual({
      ok: false,
      reason: 'stale_credentials',
    });
    expect(await liveSessionIds(user.id)).toEqual([]);
  });

  it('after a suspension, even once the account is reactivated', async () => {
    const admin = await createSignedInAdmin();
    const user = await createUser();
    const verifiedAt = Date.now() - 1;
    const setStatus = (status: string) =>
      api('PATCH', `/admin/users/${user.id}`, {
        token: admin.access_token,
        json: { status },
      });
    expect((await setStatus('suspended')).status).toBe(200);
    expect(await createSession(user.id, verifiedAt)).toEqual({ ok: false, reason: 'blocked' });
    expect((await setStatus('active')).status).toBe(200);

    expect(await createSession(user.id, verifiedAt)).toEqual({
      ok: false,
      reason: 'stale_credentials',
    });
    expect(await liveSessionIds(user.id)).toEqual([]);
    // A login after the reactivation works.
    await signIn(user);
  });

  it('after every session was ended ("log out everywhere")', async () => {
    const user = await createSignedInUser();
    const verifiedAt = Date.now() - 1;
    expect(await store(user.id).revokeAll({ now: Date.now() })).toBe(1);
    expect(await createSession(user.id, verifiedAt)).toEqual({
      ok: false,
      reason: 'stale_credentials',
    });
    expectError(
      await api('GET', '/auth/verify', { token: user.access_token }),
      401,
      'SESSION_REVOKED',
    );
  });

  it('lets a login verified after the epoch start its session', async () => {
    const user = await createSignedInUser();
    expect((await changePassword(user.access_token, user.password)).status).toBe(200);
    const outcome = await createSession(user.id, Date.now());
    expect(outcome).toMatchObject({ ok: true, session: { userAgent: 'EpochTest/1.0' } });
    expect(await liveSessionIds(user.id)).toContain(outcome.ok && outcome.session.id);
  });
});

describe('credential epoch over HTTP', () => {
  it('keeps sign-in working as usual after a password change: new password in, old one out', async () => {
    const user = await createSignedInUser();
    expect((await changePassword(user.access_token, user.password)).status).toBe(200);
    const fresh = await signIn({ email: user.email, password: NEW_PASSWORD });
    expect((await api('GET', '/auth/verify', { token: fresh.access_token })).status).toBe(200);
    expect(
      (await api('POST', '/auth/refresh', { json: { refresh_token: fresh.refresh_token } })).status,
    ).toBe(200);
    expectError(
      await api('POST', '/auth/login', { json: { email: user.email, password: user.password } }),
      401,
      'INVALID_CREDENTIALS',
    );
  });

  it('never leaves a live session from the old password when a login races a password change', async () => {
    const user = await createSignedInUser();
    // Whichever order the store sees them in, the old-password login either fails or its
    // session is among those the change ended; it is never live afterwards.
    const [racing, changed] = await Promise.all([
      api('POST', '/auth/login', { json: { email: user.email, password: user.password } }),
      changePassword(user.access_token, user.password),
    ]);
    expect(changed.status, changed.text).toBe(200);
    if (racing.status === 200) {
      expectError(
        await api('GET', '/auth/verify', { token: racing.body.access_token }),
        401,
        'SESSION_REVOKED',
      );
    } else {
      expectError(racing, 401, 'INVALID_CREDENTIALS');
    }
  });
});
