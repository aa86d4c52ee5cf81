import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, env, expectError, uniqueEmail } from './helpers';
import { addMember, createOrg, orgWithRoles, rolesIn, type SignedIn } from './helpers-orgs';

/** Every org-scoped route, as (method, path, body) for one organization. */
const orgRoutes = (orgId: string, someUserId: string, invitationId: string) =>
  [
    ['GET', `/organizations/${orgId}`],
    ['PATCH', `/organizations/${orgId}`, { name: 'Taken over' }],
    ['DELETE', `/organizations/${orgId}`],
    ['GET', `/organizations/${orgId}/dashboard`],
    ['GET', `/organizations/${orgId}/users`],
    ['POST', `/organizations/${orgId}/users`, { email: uniqueEmail('x'), role: 'owner' }],
    ['PATCH', `/organizations/${orgId}/users/${someUserId}`, { role: 'viewer' }],
    ['DELETE', `/organizations/${orgId}/users/${someUserId}`],
    ['GET', `/organizations/${orgId}/invitations`],
    ['DELETE', `/organizations/${orgId}/invitations/${invitationId}`],
  ] as const;

/** An organization with a pending invitation, and what must never leak from it. */
async function target() {
  const roles = await orgWithRoles();
  const secretName = `Secret Org ${crypto.randomUUID().slice(0, 8)}`;
  await api('PATCH', `/organizations/${roles.org.id}`, {
    token: roles.owner.access_token,
    json: { name: secretName },
  });
  const invited = uniqueEmail('pending');
  const inv = await api('POST', `/organizations/${roles.org.id}/users`, {
    token: roles.owner.access_token,
    json: { email: invited, role: 'member' },
  });
  expect(inv.status, inv.text).toBe(202);
  const leaks = [secretName, roles.org.slug, roles.owner.email, roles.member.email, invited];
  return { ...roles, invitationId: inv.body.invitation_id as string, leaks };
}

/** Every org route answers 403 or 404 to `outsider`, never with any of the org's data. */
async function expectShutOut(
  outsider: SignedIn,
  t: Awaited<ReturnType<typeof target>>,
  victim: { id: string },
) {
  for (const [method, path, json] of orgRoutes(t.org.id, victim.id, t.invitationId)) {
    const res = await api(method, path, {
      token: outsider.access_token,
      ...(json && { json: json as Record<string, unknown> }),
    });
    expect([403, 404], `${method} ${path}: ${res.text}`).toContain(res.status);
    expectError(res, res.status, res.status === 404 ? 'NOT_FOUND' : 'FORBIDDEN');
    for (const secret of t.leaks) expect(res.text, `${method} ${path}`).not.toContain(secret);
  }
  // Nothing changed: the organization, its members and its invitation are intact.
  const org = await api('GET', `/organizations/${t.org.id}`, { token: t.owner.access_token });
  expect(org.status, org.text).toBe(200);
  const members = await rolesIn(t.org.id, t.owner.access_token);
  expect(members[t.owner.id]).toBe('owner');
  expect(members[t.member.id]).toBe('member');
  const invs = await api('GET', `/organizations/${t.org.id}/invitations`, {
    token: t.owner.access_token,
  });
  expect(invs.body.items[0]).toMatchObject({ id: t.invitationId, status: 'pending' });
  // Authorization answers "not a member" too.
  const decision = await api('POST', '/auth/authorize', {
    token: outsider.access_token,
    json: { resource: 'organization', action: 'read', organization_id: t.org.id },
  });
  expect(decision.body.allowed).toBe(false);
  // And their own listing does not show it.
  const mine = await api('GET', '/organizations', { token: outsider.access_token });
  expect(mine.text).not.toContain(t.org.id);
}

describe('organization isolation', () => {
  it('shuts out a user who was never a member', async () => {
    const t = await target();
    await expectShutOut(await createSignedInUser(), t, t.member);
  });

  it('shuts out a removed member on their next request, with the same access token', async () => {
    const t = await target();
    const before = await api('GET', `/organizations/${t.org.id}`, {
      token: t.viewer.access_token,
    });
    expect(before.status, before.text).toBe(200);
    const removed = await api('DELETE', `/organizations/${t.org.id}/users/${t.viewer.id}`, {
      token: t.owner.access_token,
    });
    expect(removed.status, removed.text).toBe(204);
    await expectShutOut(t.viewer, t, t.member);
  });

  it("shuts out the owner of another organization using this one's id", async () => {
    const t = await target();
    const rival = await createSignedInUser();
    const own = await createOrg(rival);
    await expectShutOut(rival, t, t.member);
    // Their own organization's id does not reach into this one's members or invitations.
    expectError(
      await api('PATCH', `/organizations/${own.id}/users/${t.member.id}`, {
        token: rival.access_token,
        json: { role: 'viewer' },
      }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await api('DELETE', `/organizations/${own.id}/users/${t.member.id}`, {
        token: rival.access_token,
      }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await api('DELETE', `/organizations/${own.id}/invitations/${t.invitationId}`, {
        token: rival.access_token,
      }),
      404,
      'NOT_FOUND',
    );
    expect((await rolesIn(t.org.id, t.owner.access_token))[t.member.id]).toBe('member');
    const invs = await api('GET', `/organizations/${t.org.id}/invitations`, {
      token: t.owner.access_token,
    });
    expect(invs.body.items[0]).toMatchObject({ id: t.invitationId, status: 'pending' });
  });

  it('shows a member of two organizations only what each membership allows', async () => {
    const [a, b, both] = await Promise.all([
      createSignedInUser(),
      createSignedInUser(),
      createSignedInUser(),
    ]);
    const orgA = await createOrg(a);
    const orgB = await createOrg(b);
    await addMember(a, orgA.id, both, 'admin');
    await addMember(b, orgB.id, both, 'viewer');
    // Admin in A, viewer in B: B refuses what A allows.
    expectError(
      await api('PATCH', `/organizations/${orgB.id}`, {
        token: both.access_token,
        json: { name: 'Nope' },
      }),
      403,
      'FORBIDDEN',
    );
    const inA = await api('PATCH', `/organizations/${orgA.id}`, {
      token: both.access_token,
      json: { name: 'Fine' },
    });
    expect(inA.status, inA.text).toBe(200);
    const dashA = await api('GET', `/organizations/${orgA.id}/dashboard`, {
      token: both.access_token,
    });
    expect(dashA.text).not.toContain(orgB.id);
  });
});

describe('the last owner under concurrency', () => {
  const owners = async (orgId: string) =>
    (
      await env.DB.prepare(
        "SELECT user_id FROM organization_members WHERE organization_id = ? AND role = 'owner'",
      )
        .bind(orgId)
        .all<{ user_id: string }>()
    ).results.map((r) => r.user_id);

  async function twoOwners() {
    const [first, second] = await Promise.all([createSignedInUser(), createSignedInUser()]);
    const org = await createOrg(first);
    await addMember(first, org.id, second, 'owner');
    expect((await owners(org.id)).sort()).toEqual([first.id, second.id].sort());
    return { org, first, second };
  }

  it('leaves exactly one owner when two owners demote each other at once', async () => {
    for (let round = 0; round < 5; round++) {
      const { org, first, second } = await twoOwners();
      const answers = await Promise.all([
        api('PATCH', `/organizations/${org.id}/users/${second.id}`, {
          token: first.access_token,
          json: { role: 'admin' },
        }),
        api('PATCH', `/organizations/${org.id}/users/${first.id}`, {
          token: second.access_token,
          json: { role: 'admin' },
        }),
      ]);
      expect(await owners(org.id)).toHaveLength(1);
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses[0], answers.map((r) => r.text).join('\n')).toBe(200);
      expect([403, 409]).toContain(statuses[1]);
      const changes = await env.DB.prepare(
        "SELECT count(*) AS n FROM audit_events WHERE organization_id = ? AND action = 'role_changed'",
      )
        .bind(org.id)
        .first<{ n: number }>();
      expect(changes!.n).toBe(1);
    }
  });

  it('leaves exactly one owner when two owners leave at once', async () => {
    for (let round = 0; round < 3; round++) {
      const { org, first, second } = await twoOwners();
      const answers = await Promise.all(
        [first, second].map((who) =>
          api('DELETE', `/organizations/${org.id}/users/${who.id}`, { token: who.access_token }),
        ),
      );
      expect(await owners(org.id)).toHaveLength(1);
      expect(answers.map((r) => r.status).sort()).toEqual([204, 409]);
    }
  });
});
