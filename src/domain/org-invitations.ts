import {
  insertInvitation,
  invitationsPage,
  revokeInvitation as storeRevocation,
} from '../db/queries/org-invitations';
import { memberRole } from '../db/queries/org-members';
import { findUserByEmail, findUserById } from '../db/queries/users';
import type { OrganizationInvitation } from '../db/schema';
import { randomToken, sha256 } from '../lib/crypto';
import { ApiError, orUnavailable } from '../lib/errors';
import { decodeCursor } from '../lib/pagination';
import type { Deps } from './deps';
import { hitLimit } from './limits';
import { sendInvitationEmail } from './notifications';
import type { OrgRole } from './org-roles';
import { enter, notVerified, page, type Entered, type PageRequest } from './organizations';

// An invitation's row is this module's, for the routes that show it.
export type { OrganizationInvitation };

/** How long an invitation link works. */
const INVITATION_TTL_MS = 7 * 86_400_000;

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
  // Read for unknown accounts too (an id that is no member), so they take the same steps.
  const current = await memberRole(deps.db, at.org.id, target?.id ?? input.user_id ?? '');
  if (current !== null) throw new ApiError('ALREADY_MEMBER', 'This user is already a member');
  if (input.email !== undefined) {
    return invite(deps, at, inviterId, { email: input.email, role: input.role });
  }
  // An unknown id is stored under a placeholder that is no address (it has no @): no account
  // ever matches it, and no link goes out.
  const to = {
    email: target?.email ?? `unknown:${input.user_id}`,
    inviteeId: input.user_id,
    role: input.role,
  };
  return invite(deps, at, inviterId, to, !!target);
}

/** Invitations are mail sent under our name: each inviter has a quota (docs/organizations.md). */
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
