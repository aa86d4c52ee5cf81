import { listAudit } from '../db/queries/audit';
import * as q from '../db/queries/console';
import { membersPage } from '../db/queries/org-members';
import { invitationsPage } from '../db/queries/org-invitations';
import { findOrganization } from '../db/queries/organizations';
import { listPasskeys } from '../db/queries/passkeys';
import { grantsOf } from '../db/queries/rbac';
import { hmacSha256, timingSafeEqual } from '../lib/crypto';
import { ApiError, orUnavailable } from '../lib/errors';
import { pageOf } from '../lib/pagination';
import { requireCsrfKey } from '../lib/secrets';
import { permits, userWithProfile, type Caller } from './access';
import type { Deps } from './deps';
import { listDevices, revokeDevice } from './devices';
import { AUDIT_ACTIONS } from './events';
import { listMethods } from './factors/enrolment';
import { invitationStatus } from './org-invitations';

// The admin console's reads (api.md "Admin console"): who may open it, and the lists and
// details its pages show. Its changes call the same domain functions as /admin/* (admin.ts,
// devices.ts, factor-reset.ts, impersonation.ts).

export type { AuditFilter } from '../db/queries/console';
export { AUDIT_ACTIONS };

type Db = Pick<Deps, 'db'>;
const PAGE = 25;

/** What a signed-in user may do in the console, read from D1 now (never from a token). */
export interface ConsoleRights {
  read: boolean;
  /** users:admin: sessions, suspension, factors, impersonation. */
  manageUsers: boolean;
}

export async function consoleRights(deps: Db, userId: string): Promise<ConsoleRights> {
  const { permissions } = await orUnavailable('Database', () => grantsOf(deps.db, userId));
  return {
    read: permits(permissions, 'admin_panel', 'read'),
    manageUsers: permits(permissions, 'users', 'admin'),
  };
}

/**
 * The console's CSRF token: an HMAC of the session id, so it needs no storage, holds for the
 * session's life (the refresh cookie rotates, the session id does not) and means nothing for
 * another session.
 */
export const csrfToken = (deps: Pick<Deps, 'secrets'>, sessionId: string) =>
  hmacSha256(requireCsrfKey(deps.secrets), `console:${sessionId}`);

/** 403 CSRF_REJECTED unless `token` is the session's. */
export async function checkCsrfToken(
  deps: Pick<Deps, 'secrets'>,
  sessionId: string,
  token: string | undefined,
) {
  const expected = await csrfToken(deps, sessionId);
  if (!token || !timingSafeEqual(token, expected)) {
    throw new ApiError('CSRF_REJECTED', 'The form is stale or was not sent from the console');
  }
}

const byTime = (r: { createdAt: Date; id: string }) => ({ at: r.createdAt.getTime(), id: r.id });

/** Users whose email contains `search` (literally), newest first. */
export const findUsers = (deps: Db, search: string, cursor?: string) =>
  orUnavailable('Database', () =>
    pageOf({ limit: PAGE, cursor }, (p) => q.searchUsers(deps.db, search, p), byTime),
  );

/** Everything the user page shows; 404 for an unknown id. */
export async function userDetail(deps: Pick<Deps, 'db' | 'sessions' | 'now'>, userId: string) {
  const { user, profile } = await userWithProfile(deps, userId);
  const [grants, sessions, factors, passkeys, audit] = await Promise.all([
    grantsOf(deps.db, userId),
    listDevices(deps, userId),
    listMethods(deps, userId),
    listPasskeys(deps.db, userId),
    listAudit(deps.db, userId, 50),
  ]);
  return { user, profile, grants, sessions, factors, passkeys, audit };
}

export const organizations = (deps: Db, cursor?: string) =>
  orUnavailable('Database', () =>
    pageOf({ limit: PAGE, cursor }, (p) => q.listOrganizations(deps.db, p), byTime),
  );

/** An organization with its first 100 members and invitations; 404 for an unknown id. */
export async function organizationDetail(deps: Pick<Deps, 'db' | 'now'>, orgId: string) {
  const org = await findOrganization(deps.db, orgId);
  if (!org) throw new ApiError('NOT_FOUND', 'Organization not found');
  const [members, invitations] = await Promise.all([
    membersPage(deps.db, orgId, { limit: 100 }),
    invitationsPage(deps.db, orgId, { limit: 100 }),
  ]);
  const now = deps.now();
  return {
    org,
    members,
    invitations: invitations.map((i) => ({ ...i, status: invitationStatus(i, now) })),
  };
}

/** A page of the audit log under `filter`, newest first. */
export const auditLog = (deps: Db, filter: q.AuditFilter, cursor?: string) =>
  orUnavailable('Database', () =>
    pageOf({ limit: 50, cursor }, (p) => q.auditLogPage(deps.db, filter, p), byTime),
  );

/** An admin ends one of a user's sessions (devices.ts), with an audit entry naming them. */
export async function revokeSession(
  deps: Pick<Deps, 'db' | 'sessions' | 'events'>,
  admin: Extract<Caller, { kind: 'user' }>,
  userId: string,
  sessionId: string,
) {
  await revokeDevice(deps, admin, userId, sessionId);
  deps.events.emit({
    type: 'session_revoked',
    user_id: userId,
    actor_id: admin.userId,
    metadata: { session_id: sessionId },
  });
}
