// How an invitation becomes a membership: its holder accepts it (POST
// /organizations/invitations/{token}/accept), or an account is created already verified.
import {
  acceptInvitation,
  findInvitationByHash,
  liveInvitationsFor,
} from '../db/queries/org-invitations';
import { memberRole } from '../db/queries/org-members';
import { findOrganization } from '../db/queries/organizations';
import { findUserById } from '../db/queries/users';
import type { OrganizationInvitation, User } from '../db/schema';
import { sha256 } from '../lib/crypto';
import { ApiError, orUnavailable } from '../lib/errors';
import type { Deps } from './deps';
import type { OrgRole } from './org-roles';
import { notVerified } from './organizations';

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
 * The roles the inviter must still hold for the invitation to be accepted: one who may manage
 * members, and an owner for an invitation to be an owner (docs/organizations.md).
 */
const inviterRoles = (inv: OrganizationInvitation): readonly OrgRole[] =>
  inv.role === 'owner' ? ['owner'] : ['owner', 'admin'];

/**
 * Accepts an invitation with its token: the signed-in user must hold the invited address,
 * verified (the token proves they read its mail; the verification, that the account is the
 * address owner's and not one someone registered before them), and the inviter must still
 * be allowed to manage members. Returns the new membership.
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
  if (!user.emailVerifiedAt) throw notVerified('accepting an invitation');
  const [current, inviter] = await Promise.all([
    memberRole(deps.db, inv.organizationId, userId),
    inv.invitedBy ? memberRole(deps.db, inv.organizationId, inv.invitedBy) : null,
  ]);
  if (current !== null) {
    throw new ApiError('ALREADY_MEMBER', 'You are already a member of this organization');
  }
  const roles = inviterRoles(inv);
  if (inviter === null || !roles.includes(inviter)) throw inviterLeft();
  const entries = acceptanceEntries(deps, inv, userId);
  if (!(await acceptInvitation(deps.db, inv.id, userId, roles, entries))) {
    // Lost a race: the invitation was used or revoked, or its inviter lost the right, meanwhile.
    throw gone();
  }
  const org = await findOrganization(deps.db, inv.organizationId);
  return {
    organizationId: inv.organizationId,
    name: org?.name ?? '',
    role: (await memberRole(deps.db, inv.organizationId, userId)) ?? inv.role,
  };
}

const inviterLeft = () =>
  new ApiError('FORBIDDEN', 'Whoever sent this invitation may no longer add members');

/**
 * A service or an admin created this account with its address already verified: every live
 * invitation to it becomes a membership, as its owner's acceptance would have. (A user who
 * verifies their own address still accepts each invitation: the verification link may be
 * clicked by the mailbox's owner for an account someone else registered and holds.)
 */
export async function joinInvitedOrganizations(
  deps: Pick<Deps, 'db' | 'events' | 'now' | 'logger'>,
  user: Pick<User, 'id' | 'email'>,
) {
  try {
    const pending = await liveInvitationsFor(deps.db, user.email, new Date(deps.now()));
    for (const inv of pending) {
      if ((await memberRole(deps.db, inv.organizationId, user.id)) !== null) continue;
      const entries = acceptanceEntries(deps, inv, user.id);
      await acceptInvitation(deps.db, inv.id, user.id, inviterRoles(inv), entries);
    }
  } catch (err) {
    // The links still work: a failure here only delays the memberships.
    deps.logger.error('joining invited organizations failed', { user_id: user.id, error: err });
  }
}
