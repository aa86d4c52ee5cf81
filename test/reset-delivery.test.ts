import { describe, expect, it } from 'vitest';
import { apiWithEnv, createUser } from './helpers';
import { downEmail, linkToken, providerCalls, RESET_SUBJECT } from './helpers-mail';

// Its own file: it opens the Resend circuit for a minute, and breaker state is per test file.
const resend = {
  EMAIL_PROVIDER: 'resend',
  RESEND_API_KEY: 'test-key',
  BREAKER_FAILURE_THRESHOLD: '1',
  BREAKER_COOLDOWN_SECONDS: '60',
};
const forgot = (email: string) =>
  apiWithEnv(resend, 'POST', '/auth/forgot-password', { json: { email } });

describe('reset links and undelivered email', () => {
  it('keeps the previous link working when the newer email could not be sent', async () => {
    const user = await createUser();
    expect((await forgot(user.email)).status).toBe(202);
    const [delivered] = await providerCalls(user.email);
    expect(delivered).toMatchObject({ status: 200, subject: RESET_SUBJECT });
    const firstToken = linkToken(delivered!);

    // One failure opens the circuit (threshold 1): the next email for the user is never sent.
    expect((await forgot((await createUser({ email: downEmail() })).email)).status).toBe(202);
    expect((await forgot(user.email)).status).toBe(202);
    expect(await providerCalls(user.email)).toHaveLength(1);

    const reset = await apiWithEnv(resend, 'POST', '/auth/reset-password', {
      json: { token: firstToken, new_password: 'Fresh-Heron-2048' },
    });
    expect(reset.status, reset.text).toBe(200);
  });
});
