import { expect } from 'vitest';
import { api, createSignedInUser } from './helpers';

export type SignedIn = Awaited<ReturnType<typeof createSignedInUser>>;

/** A slug no other test uses. */
export const uniqueSlug = (tag = 'org') => `${tag}-${crypto.randomUUID().slice(0, 12)}`;

/** Creates an organization as `owner` through the API and returns its body. */
export async function createOrg(
  owner: { access_token: string },
  json: Record<string, unknown> = {},
) {
  const res = await api('POST', '/organizations', {
    token: owner.access_token,
    json: { name: 'Acme Analytics', slug: uniqueSlug(), ...json },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; name: string; slug: string; tier: string; role: string };
}

/** Adds an existing user to an organization with a role, as `admin`. */
export async function addMember(
  admin: { access_token: string },
  orgId: string,
  user: { id: string },
  role: string,
) {
  const res = await api('POST', `/organizations/${orgId}/users`, {
    token: admin.access_token,
    json: { user_id: user.id, role },
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** An organization with an owner and one signed-in user per other role. */
export async function orgWithRoles() {
  const [owner, admin, member, viewer] = await Promise.all([
    createSignedInUser(),
    createSignedInUser(),
    createSignedInUser(),
    createSignedInUser(),
  ]);
  const org = await createOrg(owner);
  await addMember(owner, org.id, admin, 'admin');
  await addMember(owner, org.id, member, 'member');
  await addMember(owner, org.id, viewer, 'viewer');
  return { org, owner, admin, member, viewer };
}

/** The role of each member, by user id (first page of GET …/users). */
export async function rolesIn(orgId: string, token: string) {
  const res = await api('GET', `/organizations/${orgId}/users?limit=200`, { token });
  expect(res.status, res.text).toBe(200);
  return Object.fromEntries(
    (res.body.items as { user_id: string; role: string }[]).map((m) => [m.user_id, m.role]),
  );
}

/** Rows of the audit trail filed under an organization, read directly from D1. */
export async function orgAuditActions(env: { DB: D1Database }, orgId: string) {
  const { results } = await env.DB.prepare(
    'SELECT action, user_id, actor_id FROM audit_events WHERE organization_id = ? ORDER BY created_at, id',
  )
    .bind(orgId)
    .all<{ action: string; user_id: string | null; actor_id: string | null }>();
  return results;
}
