import { describe, expect, it } from 'vitest';
import { api, createSignedInUser } from './helpers';

describe('smoke', () => {
  it('registers, logs in and verifies', async () => {
    const user = await createSignedInUser();
    const res = await api('GET', '/auth/verify', { token: user.access_token });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ valid: true, user_id: user.id, email: user.email });
  });
});
