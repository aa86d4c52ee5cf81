import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  api,
  createSignedInUser,
  createUser,
  env,
  eventually,
  expectError,
  signIn,
  STRONG_PASSWORD,
  uniqueEmail,
} from './helpers';
import { createSignedInAdmin, serviceHeaders } from './helpers-admin';
import { latestToken, linkToken, VERIFY_SUBJECT, waitForMail } from './helpers-mail';
import {
  addMember,
  createOrg,
  createVerifiedUser,
  INVITE_SUBJECT,
  verifyEmailOf,
  orgAuditActions,
  orgWithRoles,
  rolesIn,
  uniqueSlug,
} from './helpers-orgs';

const auth = exports.AuthService;

const orgCount = async () =>
  (await env.DB.prepare('SELECT count(*) AS n FROM organizations').first<{ n: number }>())!.n;

describe('POST /organizations', () => {
  it('creates the organization with the caller as owner', async () => {
    const owner = await createVerifiedUser();
    const slug = uniqueSlug();
    const res = await api('POST', '/organizations', {
      token: owner.access_token,
      json: { name: 'Acme Analytics', slug, tier: 'pro' },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      name: 'Acme Analytics',
      slug,
      tier: 'pro',
      role: 'owner',
      settings: {},
    });
    expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);
    expect(await rolesIn(res.body.id, owner.access_token)).toEqual({ [owner.id]: 'owner' });
    // One batch, one timestamp: the two entries come in either order.
    expect((await orgAuditActions(env, res.body.id)).map((e) => e.action).sort()).toEqual([
      'member_added',
      'org_created',
    ]);
  });

  it('derives a slug from the name, and a different one when it is taken', async () => {
    const owner = await createVerifiedUser();
    const name = `Zoë & Co ${crypto.randomUUID().slice(0, 6)}`;
    const first = await api('POST', '/organizations', {
      token: owner.access_token,
      json: { name },
    });
    expect(first.status, first.text).toBe(201);
    expect(first.body.slug).toMatch(/^zoe-co-[a-z0-9]+$/);
    expect(first.body.tier).toBe('free');
    const second = await api('POST', '/organizations', {
      token: owner.access_token,
      json: { name },
    });
    expect(second.status, second.text).toBe(201);
    expect(second.body.slug).not.toBe(first.body.slug);
    expect(second.body.slug.startsWith(first.body.slug)).toBe(true);
  });

  it('answers 409 SLUG_TAKEN for a slug given and taken', async () => {
    const [a, b] = await Promise.all([createSignedInUser(), createVerifiedUser()]);
    const org = await createOrg(a);
    const res = await api('POST', '/organizations', {
      token: b.access_token,
      json: { name: 'Other', slug: org.slug },
    });
    expectError(res, 409, 'SLUG_TAKEN');
  });

  it('refuses unknown fields, bad slugs and control characters with 422 and writes nothing', async () => {
    const owner = await createSignedInUser();
    const before = await orgCount();
    for (const json of [
      { name: 'Acme', role: 'admin' },
      { name: 'Acme', slug: 'Not A Slug' },
      { name: 'Acme\r\nBcc: x@example.com' },
      { name: '' },
      { name: 'Acme', tier: 'platinum' },
    ]) {
      expectError(
        await api('POST', '/organizations', { token: owner.access_token, json }),
        422,
        'VALIDATION_ERROR',
      );
    }
    expect(await orgCount()).toBe(before);
  });

  it('needs a bearer token', async () => {
    expectError(await api('POST', '/organizations', { json: { name: 'x' } }), 401, 'INVALID_TOKEN');
  });
});

describe('GET /organizations', () => {
  it("lists only the caller's organizations, with their role, paginated", async () => {
    const [alice, bob] = await Promise.all([createSignedInUser(), createSignedInUser()]);
    const own = [await createOrg(alice), await createOrg(alice), await createOrg(alice)];
    const bobs = await createOrg(bob);
    await addMember(bob, bobs.id, alice, 'viewer');
    const other = await createOrg(bob);

    const first = await api('GET', '/organizations?limit=2', { token: alice.access_token });
    expect(first.status, first.text).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await api(
      'GET',
      `/organizations?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`,
      { token: alice.access_token },
    );
    expect(second.status, second.text).toBe(200);
    expect(second.body.next_cursor).toBeNull();
    const all = [...first.body.items, ...second.body.items];
    expect(all.map((o: { id: string }) => o.id).sort()).toEqual(
      [...own.map((o) => o.id), bobs.id].sort(),
    );
    expect(all.find((o: { id: string }) => o.id === bobs.id).role).toBe('viewer');
    expect(all.some((o: { id: string }) => o.id === other.id)).toBe(false);
  });
});

describe('GET / PATCH / DELETE /organizations/{org_id}', () => {
  it('shows the organization to every member with their own role', async () => {
    const { org, viewer, admin } = await orgWithRoles();
    const res = await api('GET', `/organizations/${org.id}`, { token: viewer.access_token });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ id: org.id, name: org.name, role: 'viewer' });
    const asAdmin = await api('GET', `/organizations/${org.id}`, { token: admin.access_token });
    expect(asAdmin.body.role).toBe('admin');
  });

  it('lets admins change name, slug, tier and settings, and audits it', async () => {
    const { org, admin } = await orgWithRoles();
    const slug = uniqueSlug('renamed');
    const res = await api('PATCH', `/organizations/${org.id}`, {
      token: admin.access_token,
      json: { name: 'Renamed', slug, tier: 'enterprise', settings: { sso: { enabled: true } } },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Renamed',
      slug,
      tier: 'enterprise',
      settings: { sso: { enabled: true } },
      role: 'admin',
    });
    const again = await api('GET', `/organizations/${org.id}`, { token: admin.access_token });
    expect(again.body.slug).toBe(slug);
    expect((await orgAuditActions(env, org.id)).at(-1)).toMatchObject({
      action: 'org_updated',
      user_id: admin.id,
    });
  });

  it('refuses members and viewers (403), a taken slug (409) and bad settings (422)', async () => {
    const { org, owner, member, viewer } = await orgWithRoles();
    for (const who of [member, viewer]) {
      expectError(
        await api('PATCH', `/organizations/${org.id}`, {
          token: who.access_token,
          json: { name: 'Hijacked' },
        }),
        403,
        'FORBIDDEN',
      );
    }
    const other = await createOrg(owner);
    expectError(
      await api('PATCH', `/organizations/${org.id}`, {
        token: owner.access_token,
        json: { slug: other.slug },
      }),
      409,
      'SLUG_TAKEN',
    );
    expectError(
      await api('PATCH', `/organizations/${org.id}`, {
        token: owner.access_token,
        json: { name: 'Partial', settings: { a: { b: { c: { d: { e: { f: 1 } } } } } } },
      }),
      422,
      'VALIDATION_ERROR',
    );
    const unchanged = await api('GET', `/organizations/${org.id}`, { token: owner.access_token });
    expect(unchanged.body.name).toBe(org.name);
  });

  it('lets only the owner delete it; every member loses access at once', async () => {
    const { org, owner, admin, member } = await orgWithRoles();
    expectError(
      await api('DELETE', `/organizations/${org.id}`, { token: admin.access_token }),
      403,
      'FORBIDDEN',
    );
    const res = await api('DELETE', `/organizations/${org.id}`, { token: owner.access_token });
    expect(res.status, res.text).toBe(204);
    for (const who of [owner, admin, member]) {
      expectError(
        await api('GET', `/organizations/${org.id}`, { token: who.access_token }),
        404,
        'NOT_FOUND',
      );
    }
    const perms = await api('GET', `/auth/permissions/${member.id}`, {
      token: member.access_token,
    });
    expect(perms.body.organizations).toEqual([]);
    expect((await orgAuditActions(env, org.id)).at(-1)).toMatchObject({
      action: 'org_deleted',
      user_id: owner.id,
    });
  });
});

describe('members', () => {
  it('invites an existing user by id or email (202), who joins by accepting; a member again is 409', async () => {
    const owner = await createSignedInUser();
    const [byId, byEmail] = await Promise.all([createUser(), createUser()]);
    const org = await createOrg(owner);
    const res = await api('POST', `/organizations/${org.id}/users`, {
      token: owner.access_token,
      json: { user_id: byId.id, role: 'member' },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({ invitation_id: expect.any(String), expires_at: expect.any(String) });
    const mail = await api('POST', `/organizations/${org.id}/users`, {
      token: owner.access_token,
      json: { email: byEmail.email.toUpperCase(), role: 'viewer' },
    });
    expect(mail.status, mail.text).toBe(202);
    // Invited is not joined.
    expect(await rolesIn(org.id, owner.access_token)).toEqual({ [owner.id]: 'owner' });
    await addMember(owner, org.id, byId, 'member');
    await addMember(owner, org.id, byEmail, 'viewer');
    expectError(
      await api('POST', `/organizations/${org.id}/users`, {
        token: owner.access_token,
        json: { user_id: byId.id, role: 'admin' },
      }),
      409,
      'ALREADY_MEMBER',
    );
    expect(await rolesIn(org.id, owner.access_token)).toEqual({
      [owner.id]: 'owner',
      [byId.id]: 'member',
      [byEmail.id]: 'viewer',
    });
  });

  it('refuses a body with both or neither of user_id and email, or an unknown role (422)', async () => {
    const owner = await createSignedInUser();
    const org = await createOrg(owner);
    for (const json of [
      { role: 'member' },
      { user_id: owner.id, email: owner.email, role: 'member' },
      { user_id: owner.id, role: 'superuser' },
    ]) {
      expectError(
        await api('POST', `/organizations/${org.id}/users`, { token: owner.access_token, json }),
        422,
        'VALIDATION_ERROR',
      );
    }
  });

  it('lets admins add members but not owners; members and viewers add nobody', async () => {
    const { org, admin, member, viewer } = await orgWithRoles();
    const newcomer = await createUser();
    expectError(
      await api('POST', `/organizations/${org.id}/users`, {
        token: admin.access_token,
        json: { user_id: newcomer.id, role: 'owner' },
      }),
      403,
      'FORBIDDEN',
    );
    for (const who of [member, viewer]) {
      expectError(
        await api('POST', `/organizations/${org.id}/users`, {
          token: who.access_token,
          json: { user_id: newcomer.id, role: 'viewer' },
        }),
        403,
        'FORBIDDEN',
      );
    }
    await addMember(admin, org.id, newcomer, 'admin');
  });

  it('lists members with their roles to every member, paginated', async () => {
    const { org, owner, admin, member, viewer } = await orgWithRoles();
    const first = await api('GET', `/organizations/${org.id}/users?limit=3`, {
      token: viewer.access_token,
    });
    expect(first.status, first.text).toBe(200);
    expect(first.body.items).toHaveLength(3);
    expect(first.body.items[0]).toMatchObject({
      user_id: expect.any(String),
      email: expect.any(String),
      role: expect.any(String),
      joined_at: expect.any(String),
    });
    const rest = await api(
      'GET',
      `/organizations/${org.id}/users?limit=3&cursor=${encodeURIComponent(first.body.next_cursor)}`,
      { token: viewer.access_token },
    );
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.next_cursor).toBeNull();
    expect(await rolesIn(org.id, viewer.access_token)).toEqual({
      [owner.id]: 'owner',
      [admin.id]: 'admin',
      [member.id]: 'member',
      [viewer.id]: 'viewer',
    });
  });

  it('changes roles under the owner rules and audits each change', async () => {
    const { org, owner, admin, member, viewer } = await orgWithRoles();
    const patch = (who: { access_token: string }, target: { id: string }, role: string) =>
      api('PATCH', `/organizations/${org.id}/users/${target.id}`, {
        token: who.access_token,
        json: { role },
      });
    const promoted = await patch(admin, viewer, 'member');
    expect(promoted.status, promoted.text).toBe(200);
    expect(promoted.body).toEqual({ organization_id: org.id, user_id: viewer.id, role: 'member' });
    expectError(await patch(admin, member, 'owner'), 403, 'FORBIDDEN');
    expectError(await patch(admin, owner, 'member'), 403, 'FORBIDDEN');
    expectError(await patch(member, viewer, 'viewer'), 403, 'FORBIDDEN');
    expectError(await patch(owner, { id: crypto.randomUUID() }, 'member'), 404, 'NOT_FOUND');
    expect((await patch(owner, admin, 'owner')).status).toBe(200);
    expect((await patch(admin, owner, 'member')).status).toBe(200);
    expect(await rolesIn(org.id, owner.access_token)).toEqual({
      [owner.id]: 'member',
      [admin.id]: 'owner',
      [member.id]: 'member',
      [viewer.id]: 'member',
    });
    const changes = (await orgAuditActions(env, org.id)).filter((e) => e.action === 'role_changed');
    expect(changes.map((e) => [e.user_id, e.actor_id])).toEqual([
      [viewer.id, admin.id],
      [admin.id, owner.id],
      [owner.id, admin.id],
    ]);
  });

  it('never demotes or removes the last owner (409 LAST_OWNER)', async () => {
    const { org, owner } = await orgWithRoles();
    expectError(
      await api('PATCH', `/organizations/${org.id}/users/${owner.id}`, {
        token: owner.access_token,
        json: { role: 'admin' },
      }),
      409,
      'LAST_OWNER',
    );
    expectError(
      await api('DELETE', `/organizations/${org.id}/users/${owner.id}`, {
        token: owner.access_token,
      }),
      409,
      'LAST_OWNER',
    );
    expect((await rolesIn(org.id, owner.access_token))[owner.id]).toBe('owner');
    expect(
      (await orgAuditActions(env, org.id)).filter(
        (e) => e.action === 'role_changed' || e.action === 'member_removed',
      ),
    ).toEqual([]);
  });

  it('removes members (admin+, or oneself); the removed member loses access on the next request', async () => {
    const { org, owner, admin, member, viewer } = await orgWithRoles();
    expectError(
      await api('DELETE', `/organizations/${org.id}/users/${owner.id}`, {
        token: admin.access_token,
      }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await api('DELETE', `/organizations/${org.id}/users/${member.id}`, {
        token: viewer.access_token,
      }),
      403,
      'FORBIDDEN',
    );
    const kicked = await api('DELETE', `/organizations/${org.id}/users/${member.id}`, {
      token: admin.access_token,
    });
    expect(kicked.status, kicked.text).toBe(204);
    expectError(
      await api('GET', `/organizations/${org.id}`, { token: member.access_token }),
      404,
      'NOT_FOUND',
    );
    const left = await api('DELETE', `/organizations/${org.id}/users/${viewer.id}`, {
      token: viewer.access_token,
    });
    expect(left.status, left.text).toBe(204);
    expect(Object.keys(await rolesIn(org.id, owner.access_token)).sort()).toEqual(
      [owner.id, admin.id].sort(),
    );
    const removed = (await orgAuditActions(env, org.id)).filter(
      (e) => e.action === 'member_removed',
    );
    expect(removed.map((e) => [e.user_id, e.actor_id])).toEqual([
      [member.id, admin.id],
      [viewer.id, viewer.id],
    ]);
  });

  it('lets a second owner leave, but not the last one', async () => {
    const { org, owner, admin } = await orgWithRoles();
    await api('PATCH', `/organizations/${org.id}/users/${admin.id}`, {
      token: owner.access_token,
      json: { role: 'owner' },
    });
    const left = await api('DELETE', `/organizations/${org.id}/users/${owner.id}`, {
      token: owner.access_token,
    });
    expect(left.status, left.text).toBe(204);
    expectError(
      await api('DELETE', `/organizations/${org.id}/users/${admin.id}`, {
        token: admin.access_token,
      }),
      409,
      'LAST_OWNER',
    );
  });
});

describe('org-scoped authorization', () => {
  const ask = (token: string, organization_id: string, resource: string, action: string) =>
    api('POST', '/auth/authorize', { token, json: { resource, action, organization_id } });

  it('answers from the org role, read now', async () => {
    const { org, owner, member, viewer } = await orgWithRoles();
    const decide = async (
      who: { access_token: string },
      resource: string,
      action: string,
    ): Promise<boolean> => {
      const res = await ask(who.access_token, org.id, resource, action);
      expect(res.status, res.text).toBe(200);
      return res.body.allowed;
    };
    expect(await decide(owner, 'billing', 'write')).toBe(true);
    expect(await decide(member, 'billing', 'read')).toBe(false);
    expect(await decide(member, 'etl_jobs', 'execute')).toBe(true);
    expect(await decide(viewer, 'dashboards', 'read')).toBe(true);
    expect(await decide(viewer, 'dashboards', 'execute')).toBe(false);
    // The change shows on the next question, with the same access token.
    await api('PATCH', `/organizations/${org.id}/users/${viewer.id}`, {
      token: owner.access_token,
      json: { role: 'member' },
    });
    expect(await decide(viewer, 'dashboards', 'execute')).toBe(true);
    await api('DELETE', `/organizations/${org.id}/users/${viewer.id}`, {
      token: owner.access_token,
    });
    const gone = await ask(viewer.access_token, org.id, 'dashboards', 'read');
    expect(gone.body).toEqual({
      allowed: false,
      reason: 'not_member',
      detail: 'not a member of this organization',
    });
  });

  it('answers services and RPC the same way; a global admin keeps global rights', async () => {
    const { org, member } = await orgWithRoles();
    const asService = await api('POST', '/auth/authorize', {
      headers: serviceHeaders(),
      json: { user_id: member.id, resource: 'etl_jobs', action: 'delete', organization_id: org.id },
    });
    expect(asService.body).toEqual({
      allowed: false,
      reason: 'missing_permission',
      detail: 'missing permission etl_jobs:delete',
    });
    expect(
      await auth.authorize({
        user_id: member.id,
        resource: 'etl_jobs',
        action: 'read',
        organization_id: org.id,
      }),
    ).toEqual({ allowed: true });
    const admin = await createSignedInAdmin();
    expect(
      await auth.authorize({
        user_id: admin.id,
        resource: 'billing',
        action: 'write',
        organization_id: org.id,
      }),
    ).toEqual({ allowed: true });
    expect(
      await auth.authorize({
        user_id: admin.id,
        resource: 'billing',
        action: 'write',
        organization_id: crypto.randomUUID(),
      }),
    ).toMatchObject({ allowed: false, reason: 'not_member' });
  });

  it('lists organizations in /auth/permissions, /auth/me, /auth/users/{id}/context and RPC getPermissions', async () => {
    const { org, member } = await orgWithRoles();
    const expected = [
      {
        organization_id: org.id,
        name: org.name,
        role: 'member',
        permissions: [
          'organization:read',
          'members:read',
          'dashboards:read',
          'dashboards:execute',
          'etl_jobs:read',
          'etl_jobs:execute',
        ],
      },
    ];
    const perms = await api('GET', `/auth/permissions/${member.id}`, {
      token: member.access_token,
    });
    expect(perms.status, perms.text).toBe(200);
    expect(perms.body.organizations).toEqual(expected);
    const me = await api('GET', '/auth/me', { token: member.access_token });
    expect(me.body.organizations).toEqual(expected);
    const context = await api('GET', `/auth/users/${member.id}/context`, {
      headers: serviceHeaders(),
    });
    expect(context.status, context.text).toBe(200);
    expect(context.body.organizations).toEqual(expected);
    expect((await auth.getPermissions(member.id))?.organizations).toEqual(expected);
  });
});

describe('invitations', () => {
  async function invitationToken(address: string) {
    const [message] = await waitForMail(address, INVITE_SUBJECT);
    expect(message!.body).toContain('http://localhost:3000/accept-invitation?token=');
    return linkToken(message!);
  }

  async function invite(
    admin: { access_token: string },
    orgId: string,
    email: string,
    role = 'member',
  ) {
    const res = await api('POST', `/organizations/${orgId}/users`, {
      token: admin.access_token,
      json: { email, role },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({ invitation_id: expect.any(String), expires_at: expect.any(String) });
    return res.body.invitation_id as string;
  }

  it('invites an address without an account; registering, verifying and accepting it starts the membership', async () => {
    const { org, admin } = await orgWithRoles();
    const email = uniqueEmail('invitee');
    const invitationId = await invite(admin, org.id, email, 'viewer');
    const token = await invitationToken(email);
    expect(token.length).toBeGreaterThanOrEqual(43);
    const stored = await env.DB.prepare(
      'SELECT token_hash FROM organization_invitations WHERE id = ?',
    )
      .bind(invitationId)
      .first<{ token_hash: string }>();
    expect(stored!.token_hash).not.toContain(token);

    const listed = await api('GET', `/organizations/${org.id}/invitations`, {
      token: admin.access_token,
    });
    expect(listed.status, listed.text).toBe(200);
    const items = listed.body.items as {
      id: string;
      email: string | null;
      user_id: string | null;
    }[];
    expect(items[0]).toMatchObject({
      id: invitationId,
      email,
      user_id: null,
      role: 'viewer',
      status: 'pending',
    });
    // The members of orgWithRoles were invited by id: listed by id, never by address.
    expect(items.slice(1).map((i) => [i.email, typeof i.user_id])).toEqual([
      [null, 'string'],
      [null, 'string'],
      [null, 'string'],
    ]);

    const user = await createUser({ email });
    const signedIn = await signIn(user);
    // Registered but not verified: not a member yet.
    expectError(
      await api('GET', `/organizations/${org.id}`, { token: signedIn.access_token }),
      404,
      'NOT_FOUND',
    );
    const verification = await latestToken(email, VERIFY_SUBJECT);
    const verified = await api('POST', '/auth/verify-email', { json: { token: verification } });
    expect(verified.status, verified.text).toBe(200);
    // Verifying joins nothing by itself: whoever clicked the link may not hold the password.
    expectError(
      await api('GET', `/organizations/${org.id}`, { token: signedIn.access_token }),
      404,
      'NOT_FOUND',
    );
    const accepted = await api('POST', `/organizations/invitations/${token}/accept`, {
      token: signedIn.access_token,
    });
    expect(accepted.status, accepted.text).toBe(200);
    const res = await api('GET', `/organizations/${org.id}`, { token: signedIn.access_token });
    expect(res.status, res.text).toBe(200);
    expect(res.body.role).toBe('viewer');
    // The link is used up with the invitation.
    expectError(
      await api('POST', `/organizations/invitations/${token}/accept`, {
        token: signedIn.access_token,
      }),
      404,
      'NOT_FOUND',
    );
    const actions = (await orgAuditActions(env, org.id)).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['invitation_sent', 'invitation_accepted', 'member_added']),
    );
  });

  it('is accepted once with its token by a signed-in user with the invited address', async () => {
    const { org, admin } = await orgWithRoles();
    const email = uniqueEmail('accepter');
    await invite(admin, org.id, email, 'member');
    const token = await invitationToken(email);
    const stranger = await createSignedInUser();
    expectError(
      await api('POST', `/organizations/invitations/${token}/accept`, {
        token: stranger.access_token,
      }),
      403,
      'FORBIDDEN',
    );
    const user = await createUser({ email });
    await verifyEmailOf(user);
    const { access_token } = await signIn(user);
    const accepted = await api('POST', `/organizations/invitations/${token}/accept`, {
      token: access_token,
    });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body).toEqual({ organization_id: org.id, name: org.name, role: 'member' });
    expectError(
      await api('POST', `/organizations/invitations/${token}/accept`, { token: access_token }),
      404,
      'NOT_FOUND',
    );
    expect((await rolesIn(org.id, access_token))[user.id]).toBe('member');
    const concurrent = await Promise.all(
      [1, 2].map(() =>
        api('POST', `/organizations/invitations/${token}/accept`, { token: access_token }),
      ),
    );
    expect(concurrent.map((r) => r.status)).toEqual([404, 404]);
  });

  it('can be revoked by an admin, after which the link is dead; members cannot see or revoke', async () => {
    const { org, admin, member } = await orgWithRoles();
    const email = uniqueEmail('revoked');
    const id = await invite(admin, org.id, email);
    const token = await invitationToken(email);
    expectError(
      await api('GET', `/organizations/${org.id}/invitations`, { token: member.access_token }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await api('DELETE', `/organizations/${org.id}/invitations/${id}`, {
        token: member.access_token,
      }),
      403,
      'FORBIDDEN',
    );
    const revoked = await api('DELETE', `/organizations/${org.id}/invitations/${id}`, {
      token: admin.access_token,
    });
    expect(revoked.status, revoked.text).toBe(204);
    expectError(
      await api('DELETE', `/organizations/${org.id}/invitations/${id}`, {
        token: admin.access_token,
      }),
      404,
      'NOT_FOUND',
    );
    const listed = await api('GET', `/organizations/${org.id}/invitations`, {
      token: admin.access_token,
    });
    expect(listed.body.items[0]).toMatchObject({ id, status: 'revoked' });
    const user = await createUser({ email });
    const { access_token } = await signIn(user);
    expectError(
      await api('POST', `/organizations/invitations/${token}/accept`, { token: access_token }),
      404,
      'NOT_FOUND',
    );
    expect((await orgAuditActions(env, org.id)).map((e) => e.action)).toContain(
      'invitation_revoked',
    );
  });

  it('does not let an admin invite an owner', async () => {
    const { org, admin } = await orgWithRoles();
    expectError(
      await api('POST', `/organizations/${org.id}/users`, {
        token: admin.access_token,
        json: { email: uniqueEmail('owner'), role: 'owner' },
      }),
      403,
      'FORBIDDEN',
    );
  });
});

describe('GET /organizations/{org_id}/dashboard', () => {
  it('shows members by role, recent org activity and the org’s usage to any member', async () => {
    const { org, owner, viewer } = await orgWithRoles();
    await addMember(owner, org.id, await createUser(), 'member');
    const res = await api('GET', `/organizations/${org.id}/dashboard`, {
      token: viewer.access_token,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.organization).toMatchObject({ id: org.id, role: 'viewer' });
    expect(res.body.members_by_role).toEqual({ owner: 1, admin: 1, member: 2, viewer: 1 });
    expect(res.body.member_count).toBe(5);
    expect(res.body.usage).toMatchObject({ logins: 0, api_calls: 0, cost_usd: 0 });
    // The org's own events (created, members added) reach its usage through the analytics queue.
    const usage = await eventually(async () => {
      const again = await api('GET', `/organizations/${org.id}/dashboard`, {
        token: viewer.access_token,
      });
      return again.body.usage.events >= 5 ? again.body.usage : null;
    }, 10_000);
    expect(usage.events).toBeGreaterThanOrEqual(5);
    const activity = res.body.recent_activity as { action: string; created_at: string }[];
    const times = activity.map((e) => e.created_at);
    expect(times).toEqual([...times].sort().reverse());
    // The 20 newest: each member joined by invitation (sent, accepted, added), after creation.
    expect(activity).toHaveLength(14);
    expect(activity.filter((e) => e.action === 'invitation_sent')).toHaveLength(4);
    expect(activity.filter((e) => e.action === 'member_added')).toHaveLength(5);
    expect(activity.filter((e) => e.action === 'invitation_accepted')).toHaveLength(4);
    expect(activity.map((e) => e.action)).toContain('org_created');
    expect(res.text).not.toMatch(/"ip"|user_agent/);
  });
});

describe('POST /users/profile with an organization', () => {
  it('creates the user as a member of the organization, audited', async () => {
    const owner = await createSignedInUser();
    const org = await createOrg(owner);
    const email = uniqueEmail('provisioned');
    const res = await api('POST', '/users/profile', {
      headers: serviceHeaders(),
      json: {
        email,
        password: STRONG_PASSWORD,
        organization: { organization_id: org.id, role: 'admin' },
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.organizations).toEqual([{ organization_id: org.id, role: 'admin' }]);
    expect((await rolesIn(org.id, owner.access_token))[res.body.user_id]).toBe('admin');
    expect((await orgAuditActions(env, org.id)).at(-1)).toMatchObject({
      action: 'member_added',
      user_id: res.body.user_id,
    });
  });

  it('refuses an unknown organization with 422 and creates no user', async () => {
    const email = uniqueEmail('orphan');
    expectError(
      await api('POST', '/users/profile', {
        headers: serviceHeaders(),
        json: {
          email,
          password: STRONG_PASSWORD,
          organization: { organization_id: crypto.randomUUID(), role: 'member' },
        },
      }),
      422,
      'VALIDATION_ERROR',
    );
    const row = await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first();
    expect(row).toBeNull();
  });
});

describe('GET /users/{user_id}/dashboard', () => {
  it("lists the user's organizations with their role", async () => {
    const { org, member } = await orgWithRoles();
    const res = await api('GET', `/users/${member.id}/dashboard`, { token: member.access_token });
    expect(res.status, res.text).toBe(200);
    expect(res.body.organizations).toEqual([
      { organization_id: org.id, name: org.name, role: 'member' },
    ]);
  });
});

describe('invitations and users created verified', () => {
  it('makes a user created with email_verified a member of the organizations that invited the address', async () => {
    const { org, admin } = await orgWithRoles();
    const email = uniqueEmail('preverified');
    const invited = await api('POST', `/organizations/${org.id}/users`, {
      token: admin.access_token,
      json: { email, role: 'viewer' },
    });
    expect(invited.status, invited.text).toBe(202);
    const res = await api('POST', '/users/profile', {
      headers: serviceHeaders(),
      json: { email, password: STRONG_PASSWORD, email_verified: true },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.organizations).toEqual([{ organization_id: org.id, role: 'viewer' }]);
    const listed = await api('GET', `/organizations/${org.id}/invitations`, {
      token: admin.access_token,
    });
    expect(listed.body.items[0]).toMatchObject({ email, status: 'accepted' });
  });
});

describe('deleting the account of an owner', () => {
  const deleteAccount = (user: { id: string; access_token: string; password: string }) =>
    api('DELETE', `/auth/users/${user.id}`, {
      token: user.access_token,
      json: { password: user.password },
    });
  const exists = async (table: string, id: string) =>
    (await env.DB.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).bind(id).first()) !== null;

  it('refuses the last owner of an organization with other members (409), deleting nothing', async () => {
    const { org, owner, admin } = await orgWithRoles();
    expectError(await deleteAccount(owner), 409, 'LAST_OWNER');
    expect(await exists('users', owner.id)).toBe(true);
    expect((await rolesIn(org.id, admin.access_token))[owner.id]).toBe('owner');
    // Once another member owns it too, the account goes and the organization stays.
    const promoted = await api('PATCH', `/organizations/${org.id}/users/${admin.id}`, {
      token: owner.access_token,
      json: { role: 'owner' },
    });
    expect(promoted.status, promoted.text).toBe(200);
    expect((await deleteAccount(owner)).status).toBe(204);
    expect(await exists('users', owner.id)).toBe(false);
    expect(await exists('organizations', org.id)).toBe(true);
    expect((await rolesIn(org.id, admin.access_token))[admin.id]).toBe('owner');
  });

  it('deletes an organization whose only member the user was, with the account', async () => {
    const owner = await createSignedInUser();
    const org = await createOrg(owner);
    expect((await deleteAccount(owner)).status).toBe(204);
    expect(await exists('organizations', org.id)).toBe(false);
  });
});
