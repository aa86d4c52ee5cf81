import {
  deleteMember,
  insertMember,
  memberRole,
  membersPage,
  ownerCount,
  updateMemberRole,
  type MemberRule,
} from '../db/queries/org-members';
import { organizationExists } from '../db/queries/organizations';
import { findUserByEmail, findUserById } from '../db/queries/users';
import { ApiError, orUnavailable } from '../lib/errors';
import { decodeCursor } from '../lib/pagination';
import { requireScope, type Caller } from './access';
import type { Deps } from './deps';
import { inviteMember, type InviteeInput } from './org-invitations';
import { ORG_ROLES, type OrgRole } from './org-roles';
import { enter, page, type Entered, type PageRequest } from './organizations';

/** A user's membership of an organization (the route folder makes its body). */
export interface Membership {
  organizationId: string;
  userId: string;
  email: string;
  role: OrgRole;
}

export type AddResult =
  | { kind: 'member'; membership: Membership }
  | { kind: 'invited'; invitationId: string; expiresAt: Date };

/** The owner-only rules (api.md): only owners grant `owner` or touch an owner. */
function assertOwnerRules(at: Entered, targetRole: OrgRole | null, to?: OrgRole) {
  if (at.actsAsOwner) return;
  if (to === 'owner') throw new ApiError('FORBIDDEN', 'Only an owner may grant the owner role');
  if (targetRole === 'owner') throw new ApiError('FORBIDDEN', 'Only an owner may change an owner');
}

/** The roles a caller may touch, and the roles they must still hold while the write runs. */
const reach = (at: Entered): MemberRule =>
  at.actsAsOwner
    ? { from: ORG_ROLES, actor: at.guard(['owner']) }
    : { from: ORG_ROLES.filter((r) => r !== 'owner'), actor: at.guard(['owner', 'admin']) };

/**
 * POST /organizations/{org_id}/users. A member who manages members invites (security.md: nobody
 * joins without proving the address); a service, or a global admin, answers for the address
 * itself and adds directly.
 */
export async function addMember(
  deps: Deps,
  caller: Caller,
  orgId: string,
  input: InviteeInput,
): Promise<AddResult> {
  if (caller.kind === 'service') {
    requireScope(caller, 'orgs:members');
    if (!(await orUnavailable('Database', () => organizationExists(deps.db, orgId)))) {
      throw new ApiError('NOT_FOUND', 'Organization not found');
    }
    return addDirectly(deps, orgId, null, input);
  }
  const at = await enter(deps, caller.userId, orgId);
  at.require('members', 'manage');
  assertOwnerRules(at, null, input.role);
  if (at.globalAdmin) return addDirectly(deps, orgId, caller.userId, input);
  return { kind: 'invited', ...(await inviteMember(deps, at, caller.userId, input)) };
}

async function addDirectly(
  deps: Deps,
  orgId: string,
  actorId: string | null,
  input: InviteeInput,
): Promise<AddResult> {
  const user = await orUnavailable('Database', () =>
    input.user_id !== undefined
      ? findUserById(deps.db, input.user_id)
      : findUserByEmail(deps.db, input.email!),
  );
  if (!user) throw new ApiError('NOT_FOUND', 'User not found');
  const added = await insertMember(
    deps.db,
    orgId,
    user.id,
    input.role,
    deps.events.entry({
      type: 'member_added',
      user_id: user.id,
      organization_id: orgId,
      actor_id: actorId,
      metadata: { role: input.role, via: 'added' },
    }),
  );
  if (!added) throw new ApiError('ALREADY_MEMBER', 'This user is already a member');
  return {
    kind: 'member',
    membership: { organizationId: orgId, userId: user.id, email: user.email, role: input.role },
  };
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
  const rows = await membersPage(deps.db, orgId, {
    limit: req.limit + 1,
    after: decodeCursor(req.cursor),
  });
  return page(rows, req.limit, (r) => ({ at: r.joinedAt.getTime(), id: r.userId }));
}

/** Why a guarded write changed nothing, read after the fact. */
async function refusal(deps: Pick<Deps, 'db'>, orgId: string, targetId: string): Promise<never> {
  const [role, owners] = await Promise.all([
    memberRole(deps.db, orgId, targetId),
    ownerCount(deps.db, orgId),
  ]);
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
  const current = await memberRole(deps.db, orgId, targetId);
  if (current === null) throw new ApiError('NOT_FOUND', 'Not a member of this organization');
  assertOwnerRules(at, current, to);
  if (current !== to) {
    const changed = await updateMemberRole(
      deps.db,
      orgId,
      targetId,
      to,
      reach(at),
      deps.events.entry({
        type: 'role_changed',
        user_id: targetId,
        organization_id: orgId,
        actor_id: userId,
        metadata: { role: to },
      }),
    );
    if (!changed) await refusal(deps, orgId, targetId);
  }
  return { organizationId: orgId, userId: targetId, role: to };
}

/** Removes a member (admin+, or the member themself; never the last owner). */
export async function removeMember(
  deps: Pick<Deps, 'db' | 'events'>,
  userId: string,
  orgId: string,
  targetId: string,
) {
  const at = await enter(deps, userId, orgId);
  let rule: MemberRule = { from: ORG_ROLES, actor: at.guard(ORG_ROLES) };
  if (targetId !== userId) {
    at.require('members', 'manage');
    const current = await memberRole(deps.db, orgId, targetId);
    if (current === null) throw new ApiError('NOT_FOUND', 'Not a member of this organization');
    assertOwnerRules(at, current);
    rule = reach(at);
  }
  const removed = await deleteMember(
    deps.db,
    orgId,
    targetId,
    rule,
    deps.events.entry({
      type: 'member_removed',
      user_id: targetId,
      organization_id: orgId,
      actor_id: userId,
    }),
  );
  if (!removed) await refusal(deps, orgId, targetId);
}
