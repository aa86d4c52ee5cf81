import {
  acceptInvitation,
  findInvitationByHash,
  insertInvitation,
  invitationsPage,
  liveInvitationsFor,
  revokeInvitation as storeRevocation,
} from '../db/queries/org-invitations';
import { findOrganization } from '../db/queries/organizations';
import { memberRole } from '../db/queries/org-members';
import { findUserById } from '../db/queries/users';
import type { OrganizationInvitation, User } from '../db/schema';
import { randomToken, sha256 } from '../lib/crypto';
import { ApiError, orUnavailable } from '../lib/errors';
import { decodeCursor } from '../lib/pagination';
import type { Deps } from './deps';
import { sendInvitationEmail } from './notifications';
import type { OrgRole } from './org-roles';
import { enter, page, type Entered, type PageRequest } from './organizations';

/** How long an invitation link works. */
export const INVITATION_TTL_MS = 7 * 86_400_000;

/** Stores an invitation and emails its link after the answer. */
export async function invite(
  deps: Deps,
  at: Entered,
  userId: string,
  email: string,
  role: OrgRole,
) {
  const token = randomToken(32);
  const id = crypto.randomUUID();
  const expiresAt = new Date(deps.now() + INVITATION_TTL_MS);
  await insertInvitation(
    deps.db,
    {
      id,
      organizationId: at.org.id,
      email,
      role,
      tokenHash: await sha256(token),
      invitedBy: userId,
      expiresAt,
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
  return { id, expiresAt };
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
  const rows = await invitationsPage(deps.db, orgId, {
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
  const revoked = await storeRevocation(
    deps.db,
    orgId,
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
  if ((await memberRole(deps.db, inv.organizationId, userId)) !== null) {
    throw new ApiError('ALREADY_MEMBER', 'You are already a member of this organization');
  }
  if (!(await acceptInvitation(deps.db, inv.id, userId, acceptanceEntries(deps, inv, userId)))) {
    throw gone();
  }
  const org = await findOrganization(deps.db, inv.organizationId);
  return {
    organizationId: inv.organizationId,
    name: org?.name ?? '',
    role: (await memberRole(deps.db, inv.organizationId, userId)) ?? inv.role,
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
      if ((await memberRole(deps.db, inv.organizationId, user.id)) !== null) continue;
      await acceptInvitation(deps.db, inv.id, user.id, acceptanceEntries(deps, inv, user.id));
    }
  } catch (err) {
    // The links still work: a failure here only delays the memberships.
    deps.logger.error('joining invited organizations failed', { user_id: user.id, error: err });
  }
}
