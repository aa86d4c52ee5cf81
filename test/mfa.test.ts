import { runInDurableObject } from 'cloudflare:test';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { api, apiWithEnv, createSignedInUser, env, expectError } from './helpers';
import { serviceHeaders } from './helpers-admin';
import { base32Decode, createMfaUser, stableStep, startMfaLogin, totpAt } from './helpers-mfa';

const verifyMfa = (json: Record<string, unknown>, token?: string) =>
  api('POST', '/mfa/verify', { json, token });

describe('TOTP enrolment', () => {
  it('answers the secret, an otpauth URI with issuer and label, and a QR code as SVG', async () => {
    const user = await createSignedInUser();
    const res = await api('POST', '/mfa/setup', {
      token: user.access_token,
      json: { type: 'totp' },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('Cache-Control')).toContain('no-store');
    const { secret, otpauth_uri, qr_svg, method_id } = res.body;
    expect(base32Decode(secret)).toHaveLength(20);
    const uri = new URL(otpauth_uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(decodeURIComponent(uri.pathname)).toContain(user.email);
    expect(uri.searchParams.get('issuer')).toBe('edge-auth');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
    expect(qr_svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);

    const listed = await api('GET', '/mfa/methods', { token: user.access_token });
    expect(listed.status).toBe(200);
    expect(listed.body.methods).toEqual([
      expect.objectContaining({ method_id, type: 'totp', active: false }),
    ]);
    expect(listed.text).not.toContain(secret);

    // The secret is stored encrypted, never in clear.
    const row = await env.DB.prepare('SELECT secret_enc FROM mfa_methods WHERE id = ?')
      .bind(method_id)
      .first<{ secret_enc: string }>();
    expect(row?.secret_enc).toBeTruthy();
    expect(row?.secret_enc).not.toContain(secret);
  });

  it('needs a bearer token and refuses other types', async () => {
    expectError(await api('POST', '/mfa/setup', { json: { type: 'totp' } }), 401, 'INVALID_TOKEN');
    const user = await createSignedInUser();
    const sms = await api('POST', '/mfa/setup', {
      token: user.access_token,
      json: { type: 'sms' },
    });
    expect(sms.status).toBe(422);
  });

  it('activates on the first good code with 10 backup codes, once; a wrong code leaves it pending', async () => {
    const user = await createSignedInUser();
    const setup = await api('POST', '/mfa/setup', {
      token: user.access_token,
      json: { type: 'totp' },
    });
    const secret = base32Decode(setup.body.secret);
    const method_id = setup.body.method_id;
    const wrong = String((Number(await totpAt(secret)) + 1) % 1_000_000).padStart(6, '0');
    expectError(
      await verifyMfa({ method_id, code: wrong }, user.access_token),
      401,
      'INVALID_MFA_CODE',
    );
    expectError(await verifyMfa({ method_id, code: await totpAt(secret) }), 401, 'INVALID_TOKEN');
    const ok = await verifyMfa({ method_id, code: await totpAt(secret) }, user.access_token);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.backup_codes).toHaveLength(10);
    expect(new Set(ok.body.backup_codes).size).toBe(10);
    for (const code of ok.body.backup_codes) expect(code).toMatch(/^[A-Z2-7]{10}$/);
    const again = await verifyMfa({ method_id, code: await totpAt(secret) }, user.access_token);
    expectError(again, 409, 'CONFLICT');
    const listed = await api('GET', '/mfa/methods', { token: user.access_token });
    expect(listed.body.methods[0]).toMatchObject({ method_id, active: true });
    const board = await api('GET', `/users/${user.id}/dashboard`, { token: user.access_token });
    expect(board.body.security.mfa_enabled).toBe(true);
  });
});

describe('login with MFA on', () => {
  it('answers an mfa_token and no tokens, then the token pair with amr for a TOTP code', async () => {
    const user = await createMfaUser();
    const res = await api('POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      mfa_required: true,
      mfa_token: expect.any(String),
      methods: [{ method_id: user.methodId, type: 'totp' }],
      expires_in: 300,
    });
    expect(res.body).not.toHaveProperty('access_token');
    const step = await stableStep();
    const code = await totpAt(user.secret, Math.max(step, user.enrolledStep) + 1);
    const done = await verifyMfa({ mfa_token: res.body.mfa_token, code });
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({ token_type: 'bearer', access_token: expect.any(String) });
    const verified = await api('GET', '/auth/verify', { token: done.body.access_token });
    expect(verified.status).toBe(200);
    expect(verified.body.amr).toEqual(['pwd', 'otp']);
    // The session keeps it: a refreshed access token says the same.
    const refreshed = await api('POST', '/auth/refresh', {
      json: { refresh_token: done.body.refresh_token },
    });
    const again = await api('GET', '/auth/verify', { token: refreshed.body.access_token });
    expect(again.body.amr).toEqual(['pwd', 'otp']);
    // The mfa_token is used up.
    const replay = await verifyMfa({ mfa_token: res.body.mfa_token, code });
    expectError(replay, 401, 'INVALID_TOKEN');
  });

  it('a challenge opened before the store kept its first step answers as after a password', async () => {
    const user = await createMfaUser();
    const mfaToken = await startMfaLogin(user);
    const stub = env.SESSIONS.get(env.SESSIONS.idFromName(user.id));
    // The store as the previous version left it: a pending challenge in the table without amr.
    const columns = await runInDurableObject(stub, (instance, state) => {
      state.storage.sql.exec(`CREATE TABLE old AS
          SELECT hash, verified_at, expires_at, attempts FROM mfa_challenges;
        DROP TABLE mfa_challenges;
        CREATE TABLE mfa_challenges (hash TEXT PRIMARY KEY, verified_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL, attempts INTEGER NOT NULL);
        INSERT INTO mfa_challenges SELECT * FROM old;
        DROP TABLE old;`);
      state.storage.kv.put('schema_version', 5);
      (instance as unknown as { migrate(): void }).migrate();
      return state.storage.sql
        .exec<{ name: string }>('SELECT name FROM pragma_table_info(?)', 'mfa_challenges')
        .toArray()
        .map((c) => c.name);
    });
    expect(columns).toContain('amr');
    const step = await stableStep();
    const code = await totpAt(user.secret, Math.max(step, user.enrolledStep) + 1);
    const done = await verifyMfa({ mfa_token: mfaToken, code });
    expect(done.status, done.text).toBe(200);
    expect(decodeJwt(done.body.access_token).amr).toEqual(['pwd', 'otp']);
  });

  it('refuses a code already used (replay) or older, and ±2 steps; accepts +1 once', async () => {
    const user = await createMfaUser();
    // A higher lockout threshold: four refusals in a row would otherwise lock the account.
    const lenient = { LOGIN_MAX_FAILURES: '50' };
    const verify = (json: Record<string, unknown>) =>
      apiWithEnv(lenient, 'POST', '/mfa/verify', { json });
    const step = await stableStep(12_000);
    expect(step).toBeGreaterThanOrEqual(user.enrolledStep);
    const mfa_token = await startMfaLogin(user);
    for (const s of [user.enrolledStep, user.enrolledStep - 1, step + 2, step - 2]) {
      const res = await verify({ mfa_token, code: await totpAt(user.secret, s) });
      expectError(res, 401, 'INVALID_MFA_CODE');
    }
    const next = await totpAt(user.secret, step + 1);
    expect((await verify({ mfa_token, code: next })).status).toBe(200);
    const again = await verify({ mfa_token: await startMfaLogin(user), code: next });
    expectError(again, 401, 'INVALID_MFA_CODE');
  }, 60_000);

  it('kills the mfa_token after 5 wrong codes: the right code is refused then', async () => {
    const user = await createMfaUser();
    // A higher lockout threshold, so only the token's own limit is at work.
    const lenient = { LOGIN_MAX_FAILURES: '50' };
    const login = await apiWithEnv(lenient, 'POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    const mfa_token = login.body.mfa_token;
    for (let i = 0; i < 5; i++) {
      const res = await apiWithEnv(lenient, 'POST', '/mfa/verify', {
        json: { mfa_token, code: 'AAAAAAAAAA' },
      });
      expectError(res, 401, 'INVALID_MFA_CODE');
    }
    const step = await stableStep();
    const right = await apiWithEnv(lenient, 'POST', '/mfa/verify', {
      json: { mfa_token, code: await totpAt(user.secret, Math.max(step, user.enrolledStep) + 1) },
    });
    expectError(right, 401, 'INVALID_TOKEN');
  }, 60_000);

  it('accepts a backup code once, even from 5 parallel verifies', async () => {
    const user = await createMfaUser();
    const mfa_token = await startMfaLogin(user);
    const code = user.backupCodes[0]!;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => verifyMfa({ mfa_token, code })),
    );
    const statuses = results.map((r) => r.status);
    expect(
      statuses.filter((s) => s === 200),
      statuses.join(),
    ).toHaveLength(1);
    for (const s of statuses) expect([200, 401, 423]).toContain(s);
    const winner = results.find((r) => r.status === 200)!;
    const verified = await api('GET', '/auth/verify', { token: winner.body.access_token });
    expect(verified.body.amr).toEqual(['pwd', 'otp']);
    // Used: a later login cannot spend it again, while another code still works.
    const later = await startMfaLogin(user);
    expectError(await verifyMfa({ mfa_token: later, code }), 401, 'INVALID_MFA_CODE');
    const other = await verifyMfa({ mfa_token: later, code: user.backupCodes[1]!.toLowerCase() });
    expect(other.status, other.text).toBe(200);
  });

  it('refuses the mfa_token as a bearer token and as a refresh token', async () => {
    const user = await createMfaUser();
    const mfa_token = await startMfaLogin(user);
    expectError(await api('GET', '/auth/verify', { token: mfa_token }), 401, 'INVALID_TOKEN');
    expectError(await api('GET', '/mfa/methods', { token: mfa_token }), 401, 'INVALID_TOKEN');
    const asRefresh = await api('POST', '/auth/refresh', { json: { refresh_token: mfa_token } });
    expect([401, 422]).toContain(asRefresh.status);
    // Nor does an access token, or a made-up token of the right shape, stand in for one.
    const access = await verifyMfa({ mfa_token: user.access_token, code: user.backupCodes[0]! });
    expect([401, 422]).toContain(access.status);
    const forged = `mfa.${user.id}.${'A'.repeat(43)}`;
    const made = await verifyMfa({ mfa_token: forged, code: user.backupCodes[0]! });
    expectError(made, 401, 'INVALID_TOKEN');
  });
});

describe('managing methods and backup codes', () => {
  it('removes a method only with the password', async () => {
    const user = await createMfaUser();
    const path = `/mfa/methods/${user.methodId}`;
    const token = user.access_token;
    expectError(await api('DELETE', path, { token }), 401, 'INVALID_CREDENTIALS');
    expectError(await api('DELETE', path, { token, json: {} }), 401, 'INVALID_CREDENTIALS');
    const wrong = await api('DELETE', path, { token, json: { password: 'Wrong-Password-99' } });
    expectError(wrong, 401, 'INVALID_CREDENTIALS');
    expect((await api('GET', '/mfa/methods', { token })).body.methods).toHaveLength(1);
    const ok = await api('DELETE', path, { token, json: { password: user.password } });
    expect(ok.status, ok.text).toBe(204);
    expect((await api('GET', '/mfa/methods', { token })).body.methods).toEqual([]);
    const login = await api('POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect(login.body.access_token).toEqual(expect.any(String));
    expectError(
      await api('DELETE', path, { token, json: { password: user.password } }),
      404,
      'NOT_FOUND',
    );
  });

  it('regenerating backup codes kills the old set at once', async () => {
    const user = await createMfaUser();
    const res = await api('POST', '/mfa/backup-codes/regenerate', {
      token: user.access_token,
      json: { password: user.password },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.codes).toHaveLength(10);
    expect(res.body.codes).not.toContain(user.backupCodes[0]);
    const mfa_token = await startMfaLogin(user);
    expectError(
      await verifyMfa({ mfa_token, code: user.backupCodes[0]! }),
      401,
      'INVALID_MFA_CODE',
    );
    expect((await verifyMfa({ mfa_token, code: res.body.codes[0] })).status).toBe(200);
  });

  it('regenerating while a login redeems an old code: the old code never outlives the regeneration', async () => {
    // Three users race it, so both orders are likely to occur; each outcome must be consistent.
    const users = await Promise.all([createMfaUser(), createMfaUser(), createMfaUser()]);
    await Promise.all(
      users.map(async (user) => {
        const mfa_token = await startMfaLogin(user);
        const [regen, redeem] = await Promise.all([
          api('POST', '/mfa/backup-codes/regenerate', {
            token: user.access_token,
            json: { password: user.password },
          }),
          verifyMfa({ mfa_token, code: user.backupCodes[0]! }),
        ]);
        expect(regen.status, regen.text).toBe(200);
        // Either the redemption ran first (200) or the old set was already gone (401).
        expect([200, 401], redeem.text).toContain(redeem.status);
        if (redeem.status === 401) expect(redeem.body.error_code).toBe('INVALID_MFA_CODE');
        const next = await startMfaLogin(user);
        expectError(
          await verifyMfa({ mfa_token: next, code: user.backupCodes[1]! }),
          401,
          'INVALID_MFA_CODE',
        );
        expect((await verifyMfa({ mfa_token: next, code: regen.body.codes[0] })).status).toBe(200);
      }),
    );
  });

  it('refuses to regenerate without an active method', async () => {
    const user = await createSignedInUser();
    const res = await api('POST', '/mfa/backup-codes/regenerate', {
      token: user.access_token,
      json: { password: user.password },
    });
    expectError(res, 409, 'CONFLICT');
  });
});

describe('MFA_ENCRYPTION_KEY', () => {
  it('answers 503 on MFA routes and fails a login closed without it; /health names it', async () => {
    const user = await createMfaUser();
    const missing = { MFA_ENCRYPTION_KEY: undefined };
    const setup = await apiWithEnv(missing, 'POST', '/mfa/setup', {
      token: user.access_token,
      json: { type: 'totp' },
    });
    expectError(setup, 503, 'DEPENDENCY_UNAVAILABLE');
    const login = await apiWithEnv(missing, 'POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expectError(login, 503, 'DEPENDENCY_UNAVAILABLE');
    const health = await apiWithEnv(missing, 'GET', '/health', { headers: serviceHeaders() });
    expect(health.body.components.mfa_encryption_key).toBe('missing');
    const ok = await api('GET', '/health', { headers: serviceHeaders() });
    expect(ok.body.components.mfa_encryption_key).toBe('ok');
  });
});
