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
import { findUserByEmail, findUserById } from '../db/queries/users';
import type { OrganizationInvitation, User } from '../db/schema';
import { randomToken, sha256 } from '../lib/crypto';
import { ApiError, orUnavailable } from '../lib/errors';
import { decodeCursor } from '../lib/pagination';
import type { Deps } from './deps';
import { hitLimit } from './limits';
import { sendInvitationEmail } from './notifications';
import type { OrgRole } from './org-roles';
import { enter, notVerified, page, type Entered, type PageRequest } from './organizations';

/** How long an invitation link works. */
export const INVITATION_TTL_MS = 7 * 86_400_000;

/** Who is invited: an account by id, or an address. */
export type InviteeInput = { user_id?: string; email?: string; role: OrgRole };

/**
 * Invites a user by id or an address to join (admin+ with a verified email, within their
 * quota). The answer is the same whether or not an account exists (security.md: no
 * enumeration): an unknown id gets a stored invitation that no link was sent for, so neither
 * the body nor the invitation list tells it apart. Nobody joins until the address's owner
 * accepts (acceptInvitationToken).
 */
export async function inviteMember(
  deps: Deps,
  at: Entered,
  inviterId: string,
  input: InviteeInput,
) {
  const [inviter, target] = await orUnavailable('Database', () =>
    Promise.all([
      findUserById(deps.db, inviterId),
      input.user_id !== undefined
        ? findUserById(deps.db, input.user_id)
        : findUserByEmail(deps.db, input.email!),
    ]),
  );
  if (!inviter?.emailVerifiedAt) throw notVerified('inviting');
  await spendInvitationQuota(deps, inviterId);
  if (target && (await memberRole(deps.db, at.org.id, target.id)) !== null) {
    throw new ApiError('ALREADY_MEMBER', 'This user is already a member');
  }
  if (input.user_id === undefined)
    return invite(deps, at, inviterId, { ...input, email: input.email! });
  // Not an address anyone can hold (it has no @), so no account ever matches it.
  const email = target?.email ?? `unknown:${input.user_id}`;
  return invite(
    deps,
    at,
    inviterId,
    { email, inviteeId: input.user_id, role: input.role },
    !!target,
  );
}

/** security.md "Organizations": invitations send mail under our name, so each inviter has a quota. */
async function spendInvitationQuota(deps: Deps, inviterId: string) {
  const decision = await hitLimit(
    deps,
    `org-invite:${inviterId}`,
    deps.config.RATE_LIMIT_INVITATIONS,
  );
  if (!decision.allowed) {
    throw new ApiError('RATE_LIMITED', 'Too many invitations sent; try again later', {
      headers: { 'Retry-After': String(decision.retryAfter) },
    });
  }
}

/** Stores an invitation and, unless told not to, emails its link after the answer. */
async function invite(
  deps: Deps,
  at: Entered,
  inviterId: string,
  to: { email: string; inviteeId?: string; role: OrgRole },
  send = true,
) {
  const token = randomToken(32);
  const id = crypto.randomUUID();
  const expiresAt = new Date(deps.now() + INVITATION_TTL_MS);
  await insertInvitation(
    deps.db,
    {
      id,
      organizationId: at.org.id,
      email: to.email,
      inviteeId: to.inviteeId ?? null,
      role: to.role,
      tokenHash: await sha256(token),
      invitedBy: inviterId,
      expiresAt,
    },
    deps.events.entry({
      type: 'invitation_sent',
      user_id: inviterId,
      organization_id: at.org.id,
      metadata: { invitation_id: id, role: to.role },
    }),
  );
  if (send) {
    deps.defer(
      sendInvitationEmail(deps, {
        to: to.email,
        organization: at.org.name,
        token,
        ttlMs: INVITATION_TTL_MS,
      }),
    );
  }
  return { invitationId: id, expiresAt };
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
 * The roles the inviter must still hold for the invitation to be accepted: one who may manage
 * members, and an owner for an invitation to be an owner (security.md "Organizations").
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
