import {
  acceptInvitation,
  createOrganization as storeOrganization,
  findInvitationByHash,
  liveInvitationsFor,
  organizationsOf,
  orgScope,
  type ActorGuard,
  type OrgScope,
} from '../db/queries/organizations';
import { grantsOf } from '../db/queries/rbac';
import { findUserByEmail, findUserById } from '../db/queries/users';
import type { Organization, OrganizationInvitation, OrgTier, User } from '../db/schema';
import { randomToken, sha256 } from '../lib/crypto';
import { ApiError, orUnavailable } from '../lib/errors';
import { decodeCursor, encodeCursor } from '../lib/pagination';
import { isAdmin, permits } from './access';
import type { Deps } from './deps';
import { sendInvitationEmail } from './notifications';
import { ORG_ROLES, orgPermissions, type OrgRole } from './org-roles';
import { orgUsage } from './org-usage';

/** How long an invitation link works. */
export const INVITATION_TTL_MS = 7 * 86_400_000;

/** How far back the dashboard's usage looks. */
const USAGE_WINDOW_MS = 30 * 86_400_000;

const ACTIVITY_ITEMS = 20;

type PageRequest = { limit: number; cursor?: string };

// A non-member learns nothing, not even that the organization exists (api.md: 403 or 404).
const notFound = () => new ApiError('NOT_FOUND', 'Organization not found');

/** A URL-safe slug from a name: lower-case ASCII words joined by dashes. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'org';
}

/**
 * The caller inside one organization, read from D1 on every request (never from the token), so
 * a removed member or a deleted organization loses access on the next call. A global admin
 * keeps their global rights: they act with an owner's permissions without being a member.
 */
async function enter(deps: Pick<Deps, 'db'>, userId: string, orgId: string) {
  const scope = orgScope(deps.db, orgId);
  const [org, role, global] = await orUnavailable('Database', () =>
    Promise.all([scope.get(), scope.role(userId), grantsOf(deps.db, userId)]),
  );
  const globalAdmin = isAdmin(global.permissions);
  if (!org || (!role && !globalAdmin)) throw notFound();
  const permissions = orgPermissions(role ?? 'owner');
  return {
    scope,
    org,
    role,
    require(resource: string, action: string) {
      if (!permits(permissions, resource, action)) {
        throw new ApiError('FORBIDDEN', `Your organization role lacks ${resource}:${action}`);
      }
    },
    /** Whether the caller may grant `owner` and change or remove owners. */
    actsAsOwner: globalAdmin || role === 'owner',
    /** The roles the caller must still hold when a guarded write runs. */
    guard(roles: readonly OrgRole[]): ActorGuard {
      return globalAdmin && !role ? null : { userId, roles };
    },
  };
}

type Entered = Awaited<ReturnType<typeof enter>>;

/** Creates an organization; the creator is its owner. 409 SLUG_TAKEN when the slug is taken. */
export async function createOrganization(
  deps: Pick<Deps, 'db' | 'events'>,
  userId: string,
  input: { name: string; slug?: string; tier: OrgTier },
) {
  const derived = input.slug === undefined;
  let slug = input.slug ?? slugify(input.name);
  for (let attempt = 0; ; attempt++) {
    const id = crypto.randomUUID();
    const created = await storeOrganization(
      deps.db,
      { id, name: input.name, slug, tier: input.tier, ownerId: userId },
      [
        deps.events.entry({
          type: 'org_created',
          user_id: userId,
          organization_id: id,
          metadata: { name: input.name, slug },
        }),
        deps.events.entry({
          type: 'member_added',
          user_id: userId,
          organization_id: id,
          actor_id: userId,
          metadata: { role: 'owner', via: 'created' },
        }),
      ],
    );
    if (created) return { org: (await orgScope(deps.db, id).get())!, role: 'owner' as const };
    // A slug the client chose is theirs to change; a derived one gets a random suffix.
    if (!derived || attempt >= 2) throw new ApiError('SLUG_TAKEN', `The slug ${slug} is taken`);
    slug = `${slugify(input.name).slice(0, 33)}-${crypto.randomUUID().slice(0, 6)}`;
  }
}

const page = <T>(rows: T[], limit: number, key: (row: T) => { at: number; id: string }) => {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    next_cursor: rows.length > limit && last ? encodeCursor(key(last)) : null,
  };
};

/** The caller's organizations with their role, newest membership first. */
export async function listOrganizations(deps: Pick<Deps, 'db'>, userId: string, req: PageRequest) {
  const rows = await organizationsOf(deps.db, userId, {
    limit: req.limit + 1,
    after: decodeCursor(req.cursor),
  });
  return page(rows, req.limit, (r) => ({ at: r.joinedAt.getTime(), id: r.organization.id }));
}

/** One organization (any member). */
export async function getOrganization(deps: Pick<Deps, 'db'>, userId: string, orgId: string) {
  const at = await enter(deps, userId, orgId);
  at.require('organization', 'read');
  return { org: at.org, role: at.role };
}

/** Changes name, slug, tier or settings (admin+); 409 SLUG_TAKEN. */
export async function updateOrganization(
  deps: Pick<Deps, 'db' | 'events'>,
  userId: string,
  orgId: string,
  patch: Partial<Pick<Organization, 'name' | 'slug' | 'tier' | 'settings'>>,
) {
  const at = await enter(deps, userId, orgId);
  at.require('organization', 'update');
  const fields = Object.keys(patch);
  if (fields.length > 0) {
    const result = await at.scope.update(
      patch,
      deps.events.entry({
        type: 'org_updated',
        user_id: userId,
        organization_id: orgId,
        metadata: { fields },
      }),
    );
    if (result === 'slug') throw new ApiError('SLUG_TAKEN', `The slug ${patch.slug} is taken`);
    if (result === null) throw notFound();
  }
  const org = await at.scope.get();
  if (!org) throw notFound();
  return { org, role: at.role };
}

/** Deletes the organization (owner): memberships go with it, so access ends at once. */
export async function deleteOrganization(
  deps: Pick<Deps, 'db' | 'events'>,
  userId: string,
  orgId: string,
) {
  const at = await enter(deps, userId, orgId);
  at.require('organization', 'delete');
  const deleted = await at.scope.delete(
    at.guard(['owner']),
    deps.events.entry({ type: 'org_deleted', user_id: userId, organization_id: orgId }),
  );
  if (!deleted) throw new ApiError('FORBIDDEN', 'Only an owner may delete the organization');
}

/** The owner-only rules (api.md): only owners grant `owner` or touch an owner. */
function assertOwnerRules(at: Entered, targetRole: OrgRole | null, to?: OrgRole) {
  if (at.actsAsOwner) return;
  if (to === 'owner') throw new ApiError('FORBIDDEN', 'Only an owner may grant the owner role');
  if (targetRole === 'owner') throw new ApiError('FORBIDDEN', 'Only an owner may change an owner');
}

/** The roles a caller may touch, and the roles they must still hold while the write runs. */
const reach = (at: Entered) =>
  at.actsAsOwner
    ? { from: ORG_ROLES, guard: at.guard(['owner']) }
    : { from: ORG_ROLES.filter((r) => r !== 'owner'), guard: at.guard(['owner', 'admin']) };

export type AddResult =
  { kind: 'member'; membership: Membership } | { kind: 'invited'; invitation_id: string };

export interface Membership {
  organization_id: string;
  user_id: string;
  email: string;
  role: OrgRole;
}

/**
 * Adds a user by id or email (admin+). An email without an account gets an invitation instead:
 * a single-use, expiring token emailed after the answer.
 */
export async function addMember(
  deps: Deps,
  userId: string,
  orgId: string,
  input: { user_id?: string; email?: string; role: OrgRole },
): Promise<AddResult> {
  const at = await enter(deps, userId, orgId);
  at.require('members', 'manage');
  assertOwnerRules(at, null, input.role);
  const user = await orUnavailable('Database', () =>
    input.user_id !== undefined
      ? findUserById(deps.db, input.user_id)
      : findUserByEmail(deps.db, input.email!),
  );
  if (!user) {
    if (input.user_id !== undefined) throw new ApiError('NOT_FOUND', 'User not found');
    return {
      kind: 'invited',
      invitation_id: await invite(deps, at, userId, input.email!, input.role),
    };
  }
  const added = await at.scope.addMember(
    user.id,
    input.role,
    deps.events.entry({
      type: 'member_added',
      user_id: user.id,
      organization_id: orgId,
      actor_id: userId,
      metadata: { role: input.role, via: 'added' },
    }),
  );
  if (!added) throw new ApiError('ALREADY_MEMBER', 'This user is already a member');
  return {
    kind: 'member',
    membership: { organization_id: orgId, user_id: user.id, email: user.email, role: input.role },
  };
}

async function invite(deps: Deps, at: Entered, userId: string, email: string, role: OrgRole) {
  const token = randomToken(32);
  const id = crypto.randomUUID();
  await at.scope.invite(
    {
      id,
      email,
      role,
      tokenHash: await sha256(token),
      invitedBy: userId,
      ttlMs: INVITATION_TTL_MS,
    },
    deps.events.entry({
      type: 'invitation_sent',
      user_id: userId,
      organization_id: at.org.id,
      metadata: { invitation_id: id, role },
    }),
  );
  deps.defer(
    sendInvitationEmail(deps, {
      to: email,
      organization: at.org.name,
      token,
      ttlMs: INVITATION_TTL_MS,
    }),
  );
  return id;
}

/** A page of members with their roles (any member). */
export async function listMembers(
  deps: Pick<Deps, 'db'>,
  userId: string,
  orgId: string,
  req: PageRequest,
) {
  const at = await enter(deps, userId, orgId);
  at.require('members', 'read');
  const rows = await at.scope.members({ limit: req.limit + 1, after: decodeCursor(req.cursor) });
  return page(rows, req.limit, (r) => ({ at: r.joinedAt.getTime(), id: r.userId }));
}

/** Why a guarded write changed nothing, read after the fact. */
async function refusal(scope: OrgScope, targetId: string): Promise<never> {
  const [role, owners] = await Promise.all([scope.role(targetId), scope.ownerCount()]);
  if (role === null) throw new ApiError('NOT_FOUND', 'Not a member of this organization');
  if (role === 'owner' && owners <= 1) {
    throw new ApiError('LAST_OWNER', 'The last owner cannot be removed or demoted');
  }
  throw new ApiError('FORBIDDEN', 'Your organization role no longer allows this');
}

/** Gives a member another role (admin+; owner rules; never demotes the last owner). */
export async function changeMemberRole(
  deps: Pick<Deps, 'db' | 'events'>,
  userId: string,
  orgId: string,
  targetId: string,
  to: OrgRole,
) {
  const at = await enter(deps, userId, orgId);
  at.require('members', 'manage');
  const current = await at.scope.role(targetId);
  if (current === null) throw new ApiError('NOT_FOUND', 'Not a member of this organization');
  assertOwnerRules(at, current, to);
  if (current !== to) {
    const { from, guard } = reach(at);
    const changed = await at.scope.changeRole(
      targetId,
      to,
      from,
      guard,
      deps.events.entry({
        type: 'role_changed',
        user_id: targetId,
        organization_id: orgId,
        actor_id: userId,
        metadata: { role: to },
      }),
    );
    if (!changed) await refusal(at.scope, targetId);
  }
  return { organization_id: orgId, user_id: targetId, role: to };
}

/** Removes a member (admin+, or the member themself; never the last owner). */
export async function removeMember(
  deps: Pick<Deps, 'db' | 'events'>,
  userId: string,
  orgId: string,
  targetId: string,
) {
  const at = await enter(deps, userId, orgId);
  const self = targetId === userId;
  let rule = { from: ORG_ROLES as readonly OrgRole[], guard: at.guard(ORG_ROLES) };
  if (!self) {
    at.require('members', 'manage');
    const current = await at.scope.role(targetId);
    if (current === null) throw new ApiError('NOT_FOUND', 'Not a member of this organization');
    assertOwnerRules(at, current);
    rule = reach(at);
  }
  const removed = await at.scope.removeMember(
    targetId,
    rule.from,
    rule.guard,
    deps.events.entry({
      type: 'member_removed',
      user_id: targetId,
      organization_id: orgId,
      actor_id: userId,
    }),
  );
  if (!removed) await refusal(at.scope, targetId);
}

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export const invitationStatus = (i: OrganizationInvitation, now: number): InvitationStatus =>
  i.acceptedAt
    ? 'accepted'
    : i.revokedAt
      ? 'revoked'
      : i.expiresAt.getTime() <= now
        ? 'expired'
        : 'pending';

/** A page of the organization's invitations (admin+). */
export async function listInvitations(
  deps: Pick<Deps, 'db'>,
  userId: string,
  orgId: string,
  req: PageRequest,
) {
  const at = await enter(deps, userId, orgId);
  at.require('members', 'manage');
  const rows = await at.scope.invitations({
    limit: req.limit + 1,
    after: decodeCursor(req.cursor),
  });
  return page(rows, req.limit, (r) => ({ at: r.createdAt.getTime(), id: r.id }));
}

/** Revokes a pending invitation (admin+): its link stops working. */
export async function revokeInvitation(
  deps: Pick<Deps, 'db' | 'events'>,
  userId: string,
  orgId: string,
  invitationId: string,
) {
  const at = await enter(deps, userId, orgId);
  at.require('members', 'manage');
  const revoked = await at.scope.revokeInvitation(
    invitationId,
    deps.events.entry({
      type: 'invitation_revoked',
      user_id: userId,
      organization_id: orgId,
      metadata: { invitation_id: invitationId },
    }),
  );
  if (!revoked) throw new ApiError('NOT_FOUND', 'No pending invitation with this id');
}

const acceptanceEntries = (
  deps: Pick<Deps, 'events'>,
  inv: OrganizationInvitation,
  userId: string,
) => [
  deps.events.entry({
    type: 'member_added',
    user_id: userId,
    organization_id: inv.organizationId,
    actor_id: inv.invitedBy,
    metadata: { role: inv.role, via: 'invitation' },
  }),
  deps.events.entry({
    type: 'invitation_accepted',
    user_id: userId,
    organization_id: inv.organizationId,
    metadata: { invitation_id: inv.id },
  }),
];

/**
 * Accepts an invitation with its token: the signed-in user must own the invited address (the
 * token proves they read its mail). Returns the new membership.
 */
export async function acceptInvitationToken(
  deps: Pick<Deps, 'db' | 'events' | 'now'>,
  userId: string,
  token: string,
) {
  const gone = () =>
    new ApiError('NOT_FOUND', 'This invitation is invalid, used, revoked or expired');
  const [inv, user] = await orUnavailable('Database', async () =>
    Promise.all([
      findInvitationByHash(deps.db, await sha256(token), new Date(deps.now())),
      findUserById(deps.db, userId),
    ]),
  );
  if (!inv || !user) throw gone();
  if (inv.email !== user.email) {
    throw new ApiError('FORBIDDEN', 'This invitation was sent to another address');
  }
  const scope = orgScope(deps.db, inv.organizationId);
  if ((await scope.role(userId)) !== null) {
    throw new ApiError('ALREADY_MEMBER', 'You are already a member of this organization');
  }
  if (!(await acceptInvitation(deps.db, inv.id, userId, acceptanceEntries(deps, inv, userId)))) {
    throw gone();
  }
  const org = await scope.get();
  return {
    organization_id: inv.organizationId,
    name: org?.name ?? '',
    role: (await scope.role(userId)) ?? inv.role,
  };
}

/**
 * An address was just verified: every live invitation to it becomes a membership. Verification
 * proves the mailbox, which is what the invitation's token would have proven.
 */
export async function joinInvitedOrganizations(
  deps: Pick<Deps, 'db' | 'events' | 'now' | 'logger'>,
  user: Pick<User, 'id' | 'email'>,
) {
  try {
    const pending = await liveInvitationsFor(deps.db, user.email, new Date(deps.now()));
    for (const inv of pending) {
      if ((await orgScope(deps.db, inv.organizationId).role(user.id)) !== null) continue;
      await acceptInvitation(deps.db, inv.id, user.id, acceptanceEntries(deps, inv, user.id));
    }
  } catch (err) {
    // The links still work: a failure here only delays the memberships.
    deps.logger.error('joining invited organizations failed', { user_id: user.id, error: err });
  }
}

/** What the organization's dashboard shows (any member). */
export async function dashboard(deps: Pick<Deps, 'db' | 'now'>, userId: string, orgId: string) {
  const at = await enter(deps, userId, orgId);
  at.require('organization', 'read');
  const to = new Date(deps.now());
  const range = { from: new Date(to.getTime() - USAGE_WINDOW_MS), to };
  const [byRole, activity, usage] = await Promise.all([
    at.scope.countByRole(),
    at.scope.activity(ACTIVITY_ITEMS),
    orgUsage(deps, orgId, range),
  ]);
  const membersByRole = Object.fromEntries(ORG_ROLES.map((r) => [r, 0])) as Record<OrgRole, number>;
  for (const row of byRole) membersByRole[row.role] = row.n;
  return { org: at.org, role: at.role, membersByRole, activity, usage, range };
}
