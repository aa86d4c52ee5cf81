import { describe, expect, it } from 'vitest';
import { base64url, encryptSecret, importAesKey, sha256 } from '../src/lib/crypto';
import { apiWithEnv, env } from './helpers';
import { base32Decode, createMfaUser, stableStep, startMfaLogin, totpAt } from './helpers-mfa';

/**
 * Keys of second factors at rest (issue 20, low): TOTP secrets name the key that sealed them, so
 * MFA_ENCRYPTION_KEY can rotate (a comma-separated keyring, current first); backup codes are
 * stored as an HMAC under a server key, and sets stored as bare SHA-256 still redeem.
 */
const oldKey = env.MFA_ENCRYPTION_KEY as string;
const newKey = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
const rotated = { MFA_ENCRYPTION_KEY: `${newKey},${oldKey}` };

const secretOf = (methodId: string) =>
  env.DB.prepare('SELECT secret_enc FROM mfa_methods WHERE id = ?')
    .bind(methodId)
    .first<{ secret_enc: string }>()
    .then((row) => row!.secret_enc);

/** Signs in with the TOTP code of the step after the enrolment's, under `vars`. */
async function signInWithTotp(
  user: Awaited<ReturnType<typeof createMfaUser>>,
  vars: Record<string, unknown>,
) {
  const login = await apiWithEnv(vars, 'POST', '/auth/login', {
    json: { email: user.email, password: user.password },
  });
  expect(login.status, login.text).toBe(200);
  const step = await stableStep();
  const code = await totpAt(user.secret, Math.max(step, user.enrolledStep) + 1);
  return apiWithEnv(vars, 'POST', '/mfa/verify', {
    json: { mfa_token: login.body.mfa_token, code },
  });
}

describe('TOTP secrets under a keyring', () => {
  it('a secret names its key; after a rotation it still opens, and new ones use the new key', async () => {
    const user = await createMfaUser();
    const sealed = await secretOf(user.methodId);
    expect(sealed).toMatch(/^v2\.[A-Za-z0-9_-]{8}\./);
    const done = await signInWithTotp(user, rotated);
    expect(done.status, done.text).toBe(200);

    const setup = await apiWithEnv(rotated, 'POST', '/mfa/setup', {
      token: done.body.access_token,
      json: { type: 'totp' },
    });
    expect(setup.status, setup.text).toBe(201);
    const fresh = await secretOf(setup.body.method_id);
    expect(fresh.split('.')[1]).not.toBe(sealed.split('.')[1]);
    // Without the new key, the new secret cannot be opened (503, fail closed): it really is
    // sealed under it.
    const secret = base32Decode(setup.body.secret);
    const confirm = await apiWithEnv({}, 'POST', '/mfa/verify', {
      token: done.body.access_token,
      json: { method_id: setup.body.method_id, code: await totpAt(secret, await stableStep()) },
    });
    expect(confirm.status, confirm.text).toBe(503);
  });

  it('a secret stored before key ids existed keeps working, before and after a rotation', async () => {
    const user = await createMfaUser();
    const key = await importAesKey(base64url.decode(oldKey));
    const legacy = await encryptSecret(key, user.secret, `mfa:${user.id}:${user.methodId}`);
    await env.DB.prepare('UPDATE mfa_methods SET secret_enc = ? WHERE id = ?')
      .bind(legacy, user.methodId)
      .run();
    const done = await signInWithTotp(user, rotated);
    expect(done.status, done.text).toBe(200);
  });
});

describe('backup codes at rest', () => {
  it('are not stored as bare SHA-256; sets stored that way still redeem', async () => {
    const user = await createMfaUser();
    const rows = await env.DB.prepare('SELECT code_hash FROM mfa_backup_codes WHERE user_id = ?')
      .bind(user.id)
      .all<{ code_hash: string }>();
    const stored = rows.results.map((r) => r.code_hash);
    expect(stored).toHaveLength(10);
    for (const code of user.backupCodes)
      expect(stored).not.toContain(await sha256(`mfa-backup:${code}`));

    // A set from before the HMAC: the same codes, stored as SHA-256.
    for (const code of user.backupCodes) {
      await env.DB.prepare(
        'UPDATE mfa_backup_codes SET code_hash = ? WHERE user_id = ? AND code_hash = ?',
      )
        .bind(await sha256(`mfa-backup:${code}`), user.id, stored[user.backupCodes.indexOf(code)])
        .run();
    }
    const mfa_token = await startMfaLogin(user);
    const res = await apiWithEnv({}, 'POST', '/mfa/verify', {
      json: { mfa_token, code: user.backupCodes[3]! },
    });
    expect(res.status, res.text).toBe(200);
  });
});
