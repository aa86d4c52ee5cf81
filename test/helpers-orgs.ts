import { expect } from 'vitest';
import { api, createSignedInUser, createUser, env, signIn } from './helpers';
import { latestToken, outbox, VERIFY_SUBJECT } from './helpers-mail';

export type SignedIn = Awaited<ReturnType<typeof createSignedInUser>>;

/** A slug no other test uses. */
export const uniqueSlug = (tag = 'org') => `${tag}-${crypto.randomUUID().slice(0, 12)}`;

export const INVITE_SUBJECT = 'You are invited to join an organization';

/** Confirms a user's address with the link of their registration email (dev outbox). */
export async function verifyEmailOf(user: { email: string }) {
  const token = await latestToken(user.email, VERIFY_SUBJECT);
  const res = await api('POST', '/auth/verify-email', { json: { token } });
  expect(res.status, res.text).toBe(200);
}

/** Whether the account of an address is verified, read directly from D1. */
async function isVerified(email: string) {
  const row = await env.DB.prepare('SELECT email_verified_at AS at FROM users WHERE email = ?')
    .bind(email)
    .first<{ at: number | null }>();
  return row?.at != null;
}

/** A registered user whose address is confirmed, signed in. */
export async function createVerifiedUser() {
  const user = await createUser();
  await verifyEmailOf(user);
  return { ...user, ...(await signIn(user)) };
}

/** The token of the newest invitation email to an address, once `count` have arrived. */
export async function invitationToken(email: string, count = 1) {
  return latestToken(email, INVITE_SUBJECT, count);
}

/**
 * Creates an organization as `owner` through the API and returns its body. Creating one needs a
 * verified address: an owner not yet verified is verified first.
 */
export async function createOrg(
  owner: { access_token: string; email: string },
  json: Record<string, unknown> = {},
) {
  if (!(await isVerified(owner.email))) await verifyEmailOf(owner);
  const res = await api('POST', '/organizations', {
    token: owner.access_token,
    json: { name: 'Acme Analytics', slug: uniqueSlug(), ...json },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; name: string; slug: string; tier: string; role: string };
}

/**
 * Makes an existing user a member with a role the way a member joins: `admin` invites them by
 * id (202), they confirm their address if need be, and accept the emailed link (200).
 */
export async function addMember(
  admin: { access_token: string },
  orgId: string,
  user: { id: string; email: string; password: string },
  role: string,
) {
  const before = (await outbox(user.email, INVITE_SUBJECT)).length;
  const res = await api('POST', `/organizations/${orgId}/users`, {
    token: admin.access_token,
    json: { user_id: user.id, role },
  });
  expect(res.status, res.text).toBe(202);
  if (!(await isVerified(user.email))) await verifyEmailOf(user);
  const token = await invitationToken(user.email, before + 1);
  const { access_token } = await signIn(user);
  const accepted = await api('POST', `/organizations/invitations/${token}/accept`, {
    token: access_token,
  });
  expect(accepted.status, accepted.text).toBe(200);
  return accepted.body;
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
