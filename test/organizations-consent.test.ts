import { describe, expect, it } from 'vitest';
import {
  api,
  apiWithEnv,
  createSignedInUser,
  createUser,
  env,
  expectError,
  signIn,
  uniqueEmail,
} from './helpers';
import { createSignedInAdmin, serviceHeaders } from './helpers-admin';
import { latestToken, outbox, RESET_SUBJECT, settled } from './helpers-mail';
import {
  addMember,
  createOrg,
  createVerifiedUser,
  INVITE_SUBJECT,
  invitationToken,
  orgWithRoles,
  rolesIn,
  verifyEmailOf,
} from './helpers-orgs';

const addUser = (token: string, orgId: string, json: Record<string, unknown>) =>
  api('POST', `/organizations/${orgId}/users`, { token, json });

const accept = (token: string, invitation: string) =>
  api('POST', `/organizations/invitations/${invitation}/accept`, { token });

describe('membership by consent (issue 20, High)', () => {
  it('does not let an unverified account squatting an address join when that address is added', async () => {
    // The attacker registers the colleague's address first; login works, the mailbox is not theirs.
    const alice = uniqueEmail('alice');
    const attacker = await createUser({ email: alice });
    const attackerSession = await signIn(attacker);
    const owner = await createVerifiedUser();
    const org = await createOrg(owner);

    const byEmail = await addUser(owner.access_token, org.id, { email: alice, role: 'admin' });
    expect(byEmail.status, byEmail.text).toBe(202);
    expect(Object.keys(byEmail.body).sort()).toEqual(['expires_at', 'invitation_id']);
    const byId = await addUser(owner.access_token, org.id, { user_id: attacker.id, role: 'admin' });
    expect(byId.status, byId.text).toBe(202);
    expect(byId.text).not.toContain(alice);
    // Invited is not joined: the attacker sees nothing of the organization.
    expectError(
      await api('GET', `/organizations/${org.id}/users`, { token: attackerSession.access_token }),
      404,
      'NOT_FOUND',
    );

    // Even holding the link (read here from the real owner's mailbox), an unverified account
    // cannot accept it.
    const link = await invitationToken(alice, 2);
    expectError(await accept(attackerSession.access_token, link), 403, 'EMAIL_NOT_VERIFIED');

    // The mailbox's owner confirms the address (the attacker's registration mailed the link):
    // that alone hands the attacker's account no membership.
    await verifyEmailOf({ email: alice });
    expectError(
      await api('GET', `/organizations/${org.id}`, { token: attackerSession.access_token }),
      404,
      'NOT_FOUND',
    );
    expect(Object.keys(await rolesIn(org.id, owner.access_token))).toEqual([owner.id]);

    // The owner of the mailbox takes the account over with a reset, signs in and accepts.
    await api('POST', '/auth/forgot-password', { json: { email: alice } });
    const reset = await latestToken(alice, RESET_SUBJECT);
    const password = 'Cerulean-Heron-77';
    const done = await api('POST', '/auth/reset-password', {
      json: { token: reset, new_password: password },
    });
    expect(done.status, done.text).toBe(200);
    const real = await signIn({ email: alice, password });
    const joined = await accept(real.access_token, link);
    expect(joined.status, joined.text).toBe(200);
    expect(joined.body).toEqual({ organization_id: org.id, name: org.name, role: 'admin' });
    expect((await rolesIn(org.id, owner.access_token))[attacker.id]).toBe('admin');
    // The attacker's password and session are gone with the reset.
    const old = { email: alice, password: attacker.password };
    expect((await api('POST', '/auth/login', { json: old })).status).toBe(401);
  });

  it('answers an unknown user_id or address exactly like a known one, in the body and the invitation list', async () => {
    const owner = await createVerifiedUser();
    const org = await createOrg(owner);
    const known = await createUser();
    const unknownId = crypto.randomUUID();
    const answers = await Promise.all([
      addUser(owner.access_token, org.id, { user_id: known.id, role: 'member' }),
      // settled: returns once the answer's deferred sends have run.
      settled('POST', `/organizations/${org.id}/users`, {
        token: owner.access_token,
        json: { user_id: unknownId, role: 'member' },
      }),
      addUser(owner.access_token, org.id, { email: uniqueEmail('nobody'), role: 'member' }),
    ]);
    for (const res of answers) {
      expect(res.status, res.text).toBe(202);
      expect(Object.keys(res.body).sort()).toEqual(['expires_at', 'invitation_id']);
      expect(Date.parse(res.body.expires_at) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    }
    // The list shows the two invitations by id alike: pending, by id, no address.
    const listed = await api('GET', `/organizations/${org.id}/invitations`, {
      token: owner.access_token,
    });
    const byId = (listed.body.items as Record<string, unknown>[]).filter((i) => i.user_id);
    expect(byId).toHaveLength(2);
    for (const item of byId) expect(item).toMatchObject({ email: null, status: 'pending' });
    expect(listed.text).not.toContain(known.email);
    await invitationToken(known.email);
    // Nothing went out for the unknown id, not even to the placeholder it is stored under.
    const sent = await env.DB.prepare('SELECT count(*) AS n FROM dev_outbox WHERE "to" LIKE ?')
      .bind(`%${unknownId}%`)
      .first<{ n: number }>();
    expect(sent!.n).toBe(0);
  });

  it('lets a service and a global admin add an existing account directly (201)', async () => {
    const owner = await createVerifiedUser();
    const org = await createOrg(owner);
    const [byService, byAdmin] = await Promise.all([createUser(), createUser()]);
    const res = await api('POST', `/organizations/${org.id}/users`, {
      headers: serviceHeaders(),
      json: { user_id: byService.id, role: 'member' },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      organization_id: org.id,
      user_id: byService.id,
      email: byService.email,
      role: 'member',
    });
    const admin = await createSignedInAdmin();
    const direct = await addUser(admin.access_token, org.id, {
      email: byAdmin.email,
      role: 'viewer',
    });
    expect(direct.status, direct.text).toBe(201);
    expect(await rolesIn(org.id, owner.access_token)).toMatchObject({
      [byService.id]: 'member',
      [byAdmin.id]: 'viewer',
    });
    expectError(
      await api('POST', `/organizations/${org.id}/users`, {
        headers: serviceHeaders(),
        json: { user_id: byService.id, role: 'admin' },
      }),
      409,
      'ALREADY_MEMBER',
    );
    expectError(
      await api('POST', `/organizations/${crypto.randomUUID()}/users`, {
        headers: serviceHeaders(),
        json: { user_id: byService.id, role: 'member' },
      }),
      404,
      'NOT_FOUND',
    );
  });

  it('never lets a service key accept an invitation', async () => {
    const owner = await createVerifiedUser();
    const org = await createOrg(owner);
    const invitee = await createUser();
    await addUser(owner.access_token, org.id, { user_id: invitee.id, role: 'member' });
    const link = await invitationToken(invitee.email);
    const res = await api('POST', `/organizations/invitations/${link}/accept`, {
      headers: serviceHeaders(),
    });
    expectError(res, 401, 'INVALID_TOKEN');
    expect(await rolesIn(org.id, owner.access_token)).toEqual({ [owner.id]: 'owner' });
  });
});

describe('organization rules for unverified accounts, quotas and inviters (issue 20, Low)', () => {
  it('refuses to create an organization or invite from an unverified account (403)', async () => {
    const unverified = await createSignedInUser();
    expectError(
      await api('POST', '/organizations', {
        token: unverified.access_token,
        json: { name: 'Squat' },
      }),
      403,
      'EMAIL_NOT_VERIFIED',
    );
    // An unverified account a service made an org admin still cannot send invitations.
    const owner = await createVerifiedUser();
    const org = await createOrg(owner);
    const added = await api('POST', `/organizations/${org.id}/users`, {
      headers: serviceHeaders(),
      json: { user_id: unverified.id, role: 'admin' },
    });
    expect(added.status, added.text).toBe(201);
    const target = uniqueEmail('target');
    expectError(
      await settled('POST', `/organizations/${org.id}/users`, {
        token: unverified.access_token,
        json: { email: target, role: 'member' },
      }),
      403,
      'EMAIL_NOT_VERIFIED',
    );
    expect(await outbox(target)).toEqual([]);
  });

  it("keeps the organization's name out of the invitation's subject", async () => {
    const owner = await createVerifiedUser();
    const name = 'Security team: your password expires today, reset at evil.example';
    const org = await createOrg(owner, { name });
    const to = uniqueEmail('phished');
    await addUser(owner.access_token, org.id, { email: to, role: 'member' });
    await invitationToken(to);
    const [mail] = await outbox(to);
    expect(mail!.subject).toBe(INVITE_SUBJECT);
    expect(mail!.subject).not.toContain('evil');
    expect(mail!.body).toContain(JSON.stringify(name));
  });

  it('limits how many invitations one user sends (429 RATE_LIMITED past RATE_LIMIT_INVITATIONS)', async () => {
    const owner = await createVerifiedUser();
    const org = await createOrg(owner);
    const vars = { RATE_LIMIT_INVITATIONS: '2/3600' };
    const send = () =>
      apiWithEnv(vars, 'POST', `/organizations/${org.id}/users`, {
        token: owner.access_token,
        json: { email: uniqueEmail('quota'), role: 'member' },
      });
    expect((await send()).status).toBe(202);
    expect((await send()).status).toBe(202);
    const refused = await send();
    expectError(refused, 429, 'RATE_LIMITED');
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0);
    // Another inviter has their own quota.
    const other = await createVerifiedUser();
    const theirs = await createOrg(other);
    const res = await apiWithEnv(vars, 'POST', `/organizations/${theirs.id}/users`, {
      token: other.access_token,
      json: { email: uniqueEmail('quota'), role: 'member' },
    });
    expect(res.status, res.text).toBe(202);
  });

  it('refuses an invitation whose inviter was removed or demoted below admin (403)', async () => {
    const { org, owner, admin } = await orgWithRoles();
    const [first, second] = await Promise.all([createUser(), createUser()]);
    await addUser(admin.access_token, org.id, { user_id: first.id, role: 'member' });
    await addUser(admin.access_token, org.id, { user_id: second.id, role: 'member' });
    const links = await Promise.all([invitationToken(first.email), invitationToken(second.email)]);
    await Promise.all([verifyEmailOf(first), verifyEmailOf(second)]);

    // Demoted to member: may no longer manage members, so the invitation no longer holds.
    const demoted = await api('PATCH', `/organizations/${org.id}/users/${admin.id}`, {
      token: owner.access_token,
      json: { role: 'member' },
    });
    expect(demoted.status, demoted.text).toBe(200);
    const firstIn = await signIn(first);
    expectError(await accept(firstIn.access_token, links[0]), 403, 'FORBIDDEN');

    // Removed altogether.
    const removed = await api('DELETE', `/organizations/${org.id}/users/${admin.id}`, {
      token: owner.access_token,
    });
    expect(removed.status, removed.text).toBe(204);
    const secondIn = await signIn(second);
    expectError(await accept(secondIn.access_token, links[1]), 403, 'FORBIDDEN');
    expect(await rolesIn(org.id, owner.access_token)).not.toHaveProperty(first.id);

    // An invitation from someone who still may manage members works.
    await addMember(owner, org.id, first, 'member');
  });

  it('refuses an invitation to be owner once its inviter is no longer an owner', async () => {
    const { org, owner } = await orgWithRoles();
    const second = await createVerifiedUser();
    await addMember(owner, org.id, second, 'owner');
    const invitee = await createUser();
    await addUser(second.access_token, org.id, { user_id: invitee.id, role: 'owner' });
    const link = await invitationToken(invitee.email);
    await verifyEmailOf(invitee);
    const demoted = await api('PATCH', `/organizations/${org.id}/users/${second.id}`, {
      token: owner.access_token,
      json: { role: 'admin' },
    });
    expect(demoted.status, demoted.text).toBe(200);
    const { access_token } = await signIn(invitee);
    expectError(await accept(access_token, link), 403, 'FORBIDDEN');
  });
});
