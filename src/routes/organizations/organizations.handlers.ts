import type { AuditEvent } from '../../domain/events';
import type { OrganizationInvitation } from '../../domain/org-invitations';
import type { OrgRole } from '../../domain/org-roles';
import type { Organization } from '../../domain/organizations';
import * as acceptance from '../../domain/org-acceptance';
import * as invitations from '../../domain/org-invitations';
import * as members from '../../domain/org-members';
import * as orgs from '../../domain/organizations';
import type { AppRouteHandler } from '../../http/app-env';
import { callerOf, userOf } from '../../http/middleware/require-auth';
import type * as routes from './organizations.routes';

const orgJson = (o: Organization, role: OrgRole | null) => ({
  id: o.id,
  name: o.name,
  slug: o.slug,
  tier: o.tier,
  settings: o.settings,
  created_at: o.createdAt.toISOString(),
  updated_at: o.updatedAt.toISOString(),
  role,
});

const invitationJson = (i: OrganizationInvitation, now: number) => ({
  id: i.id,
  // An inviter who gave an id never learns the address behind it.
  email: i.inviteeId === null ? i.email : null,
  user_id: i.inviteeId,
  role: i.role,
  status: invitations.invitationStatus(i, now),
  invited_by: i.invitedBy,
  created_at: i.createdAt.toISOString(),
  expires_at: i.expiresAt.toISOString(),
});

const membershipJson = (m: members.Membership) => ({
  organization_id: m.organizationId,
  user_id: m.userId,
  email: m.email,
  role: m.role,
});

// Other members' addresses and devices stay out of the org's activity: only what happened.
const activityJson = (e: AuditEvent) => ({
  id: e.id,
  action: e.action,
  user_id: e.userId,
  actor_id: e.actorId,
  metadata: e.metadata,
  created_at: e.createdAt.toISOString(),
});

export const createOrganization: AppRouteHandler<typeof routes.createOrganization> = async (c) => {
  const { org, role } = await orgs.createOrganization(
    c.var.deps,
    userOf(c).userId,
    c.req.valid('json'),
  );
  return c.json(orgJson(org, role), 201);
};

export const listOrganizations: AppRouteHandler<typeof routes.listOrganizations> = async (c) => {
  const page = await orgs.listOrganizations(c.var.deps, userOf(c).userId, c.req.valid('query'));
  const items = page.items.map((r) => orgJson(r.organization, r.role));
  return c.json({ items, next_cursor: page.next_cursor }, 200);
};

export const getOrganization: AppRouteHandler<typeof routes.getOrganization> = async (c) => {
  const { org_id } = c.req.valid('param');
  const { org, role } = await orgs.getOrganization(c.var.deps, userOf(c).userId, org_id);
  return c.json(orgJson(org, role), 200);
};

export const updateOrganization: AppRouteHandler<typeof routes.updateOrganization> = async (c) => {
  const { org_id } = c.req.valid('param');
  const patch = c.req.valid('json');
  const { org, role } = await orgs.updateOrganization(c.var.deps, userOf(c).userId, org_id, patch);
  return c.json(orgJson(org, role), 200);
};

export const deleteOrganization: AppRouteHandler<typeof routes.deleteOrganization> = async (c) => {
  await orgs.deleteOrganization(c.var.deps, userOf(c).userId, c.req.valid('param').org_id);
  return c.body(null, 204);
};

export const dashboard: AppRouteHandler<typeof routes.dashboard> = async (c) => {
  const { org_id } = c.req.valid('param');
  const d = await orgs.dashboard(c.var.deps, userOf(c).userId, org_id);
  return c.json(
    {
      organization: orgJson(d.org, d.role),
      members_by_role: d.membersByRole,
      member_count: Object.values(d.membersByRole).reduce((a, b) => a + b, 0),
      recent_activity: d.activity.map(activityJson),
      usage: { from: d.range.from.toISOString(), to: d.range.to.toISOString(), ...d.usage },
    },
    200,
  );
};

export const addMember: AppRouteHandler<typeof routes.addMember> = async (c) => {
  const { org_id } = c.req.valid('param');
  const input = c.req.valid('json');
  const added = await members.addMember(c.var.deps, callerOf(c), org_id, input);
  return added.kind === 'member'
    ? c.json(membershipJson(added.membership), 201)
    : c.json({ invitation_id: added.invitationId, expires_at: added.expiresAt.toISOString() }, 202);
};

export const listMembers: AppRouteHandler<typeof routes.listMembers> = async (c) => {
  const { org_id } = c.req.valid('param');
  const page = await members.listMembers(
    c.var.deps,
    userOf(c).userId,
    org_id,
    c.req.valid('query'),
  );
  const items = page.items.map((m) => ({
    user_id: m.userId,
    email: m.email,
    first_name: m.firstName,
    last_name: m.lastName,
    role: m.role,
    joined_at: m.joinedAt.toISOString(),
  }));
  return c.json({ items, next_cursor: page.next_cursor }, 200);
};

export const changeRole: AppRouteHandler<typeof routes.changeRole> = async (c) => {
  const { org_id, user_id } = c.req.valid('param');
  const { role } = c.req.valid('json');
  const changed = await members.changeMemberRole(
    c.var.deps,
    userOf(c).userId,
    org_id,
    user_id,
    role,
  );
  return c.json({ organization_id: org_id, user_id: changed.userId, role: changed.role }, 200);
};

export const removeMember: AppRouteHandler<typeof routes.removeMember> = async (c) => {
  const { org_id, user_id } = c.req.valid('param');
  await members.removeMember(c.var.deps, userOf(c).userId, org_id, user_id);
  return c.body(null, 204);
};

export const listInvitations: AppRouteHandler<typeof routes.listInvitations> = async (c) => {
  const { org_id } = c.req.valid('param');
  const query = c.req.valid('query');
  const page = await invitations.listInvitations(c.var.deps, userOf(c).userId, org_id, query);
  const now = c.var.deps.now();
  return c.json(
    { items: page.items.map((i) => invitationJson(i, now)), next_cursor: page.next_cursor },
    200,
  );
};

export const revokeInvitation: AppRouteHandler<typeof routes.revokeInvitation> = async (c) => {
  const { org_id, invitation_id } = c.req.valid('param');
  await invitations.revokeInvitation(c.var.deps, userOf(c).userId, org_id, invitation_id);
  return c.body(null, 204);
};

export const acceptInvitation: AppRouteHandler<typeof routes.acceptInvitation> = async (c) => {
  const { token } = c.req.valid('param');
  const joined = await acceptance.acceptInvitationToken(c.var.deps, userOf(c).userId, token);
  return c.json(
    { organization_id: joined.organizationId, name: joined.name, role: joined.role },
    200,
  );
};
