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
    // The 422 form, field by field: no raw zod text (✖ lines) in the answer.
    expect(odd.allowed === false && odd.reason === 'bad_request' && odd.errors).toEqual([
      { field: 'resource', message: expect.any(String) },
    ]);
    expect(JSON.stringify(odd)).not.toContain('✖');
    expect(await auth.verify(42 as unknown as string)).toEqual({
      valid: false,
      reason: 'bad_request',
    });
  });

  it('authorize with an organization id that is not a UUID is a bad_request, as HTTP answers 422', async () => {
    const user = await createSignedInUser();
    const question = {
      user_id: user.id,
      resource: 'dashboards',
      action: 'read',
      organization_id: 'acme',
    };
    expect(await auth.authorize(question)).toEqual({
      allowed: false,
      reason: 'bad_request',
      detail: expect.stringMatching(/^organization_id: /),
      errors: [{ field: 'organization_id', message: expect.any(String) }],
    });
    const http = await api('POST', '/auth/authorize', {
      token: user.access_token,
      json: { resource: 'dashboards', action: 'read', organization_id: 'acme' },
    });
    expect(http.status, http.text).toBe(422);
    expect(http.body.errors).toEqual([{ field: 'organization_id', message: expect.any(String) }]);
    // A UUID of no organization of theirs is the membership question, answered as such.
    expect(
      await auth.authorize({ ...question, organization_id: crypto.randomUUID() }),
    ).toMatchObject({ allowed: false, reason: 'not_member' });
  });

  it('track refuses a malformed event with the 422 field form', async () => {
    const answer = await auth.track({ event_type: 'Not An Identifier' });
    expect(answer).toEqual({
      accepted: 0,
      reason: 'bad_request',
      detail: expect.stringMatching(/^event_type: /),
      errors: [{ field: 'event_type', message: expect.any(String) }],
    });
  });
});
