import { expect } from 'vitest';
import { api, createSignedInUser } from './helpers';
import { base32Decode, stableStep, totpAt } from './totp';

export { base32Decode, hotp, stableStep, totpAt } from './totp';

/** A signed-in user with an active TOTP method: its secret, the step that enrolled it, codes. */
export async function createMfaUser() {
  const user = await createSignedInUser();
  const setup = await api('POST', '/mfa/setup', {
    token: user.access_token,
    json: { type: 'totp' },
  });
  expect(setup.status, setup.text).toBe(201);
  const secret = base32Decode(setup.body.secret);
  const step = await stableStep();
  const verified = await api('POST', '/mfa/verify', {
    token: user.access_token,
    json: { method_id: setup.body.method_id, code: await totpAt(secret, step) },
  });
  expect(verified.status, verified.text).toBe(200);
  return {
    ...user,
    secret,
    enrolledStep: step,
    methodId: setup.body.method_id as string,
    backupCodes: verified.body.backup_codes as string[],
  };
}

/** The first step of login for a user with MFA on: the mfa_token. */
export async function startMfaLogin(user: { email: string; password: string }) {
  const res = await api('POST', '/auth/login', {
    json: { email: user.email, password: user.password },
  });
  expect(res.status, res.text).toBe(200);
  expect(res.body.mfa_required, res.text).toBe(true);
  return res.body.mfa_token as string;
}
