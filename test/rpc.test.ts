import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { api, createSignedInUser } from './helpers';

// Other Workers reach these methods through a service binding; `exports.AuthService` is the
// same entrypoint, called over real RPC.
const auth = exports.AuthService;

describe('AuthService (service-binding RPC)', () => {
  it('verify answers like /auth/validate, and sees a logout at once', async () => {
    const user = await createSignedInUser();
    const valid = await auth.verify(user.access_token);
    expect(valid).toMatchObject({
      valid: true,
      user_id: user.id,
      email: user.email,
      roles: ['user'],
    });
    expect(valid.valid && valid.permissions).toContain('dashboards:read');
    await api('POST', '/auth/logout', { token: user.access_token });
    expect(await auth.verify(user.access_token)).toEqual({ valid: false, reason: 'revoked' });
  });

  it('verify refuses a forged token', async () => {
    const user = await createSignedInUser();
    const [h, p, s] = user.access_token.split('.');
    const forged = `${h}.${p}.${s!.slice(0, -4)}AAAA`;
    expect(await auth.verify(forged)).toEqual({ valid: false, reason: 'invalid' });
  });

  it('authorize decides from current roles', async () => {
    const user = await createSignedInUser();
    expect(
      await auth.authorize({ user_id: user.id, resource: 'dashboards', action: 'read' }),
    ).toEqual({ allowed: true });
    expect(
      await auth.authorize({ user_id: user.id, resource: 'admin_panel', action: 'admin' }),
    ).toEqual({
      allowed: false,
      reason: 'missing_permission',
      detail: 'missing permission admin_panel:admin',
    });
  });

  it('getPermissions returns roles and permissions, null for an unknown user', async () => {
    const user = await createSignedInUser();
    expect(await auth.getPermissions(user.id)).toMatchObject({
      user_id: user.id,
      roles: ['user'],
      organizations: [],
    });
    expect(await auth.getPermissions(crypto.randomUUID())).toBeNull();
  });

  it('refuses malformed arguments instead of acting on them', async () => {
    expect(await auth.getPermissions('not-a-uuid')).toBeNull();
    expect(await auth.verify('')).toEqual({ valid: false, reason: 'invalid' });
    const odd = await auth.authorize({
      user_id: crypto.randomUUID(),
      resource: 'A B',
      action: 'read',
    });
    expect(odd).toMatchObject({ allowed: false, reason: 'bad_request' });
    expect(odd.allowed === false && odd.detail).toMatch(/resource/);
    expect(await auth.verify(42 as unknown as string)).toEqual({
      valid: false,
      reason: 'bad_request',
    });
  });
});
