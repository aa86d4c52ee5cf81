import { auditSummary, listAudit } from '../db/queries/audit';
import { listMfaMethods } from '../db/queries/mfa';
import { organizationExists } from '../db/queries/organizations';
import { listRoles } from '../db/queries/rbac';
import { patchPreferences } from '../db/queries/users';
import type { User } from '../db/schema';
import { sessionStore } from '../durable-objects/session-store/object';
import { ApiError } from '../lib/errors';
import { pageOf } from '../lib/pagination';
import {
  assertSelfOrAdmin,
  assertServiceOrAdmin,
  grantsFor,
  isAdmin,
  requireScope,
  userWithProfile,
} from './access';
import type { Caller } from './access';
import { createAccount, type NewAccount } from './accounts';
import type { Deps } from './deps';
import { joinInvitedOrganizations } from './org-acceptance';

// A user account, as the routes that show one read it.
export type { User };

/** The merged preferences document may hold at most this many bytes of JSON. */
export const PREFERENCES_MAX_BYTES = 16 * 1024;

const DAY_MS = 86_400_000;

/**
 * A complete user made by an admin or a service: roles must exist (422), and a service may not
 * give a role that administers (403). Returns the new user, profile and roles.
 */
export async function createCompleteUser(deps: Deps, caller: Caller, account: NewAccount) {
  await assertServiceOrAdmin(deps, caller, 'users:create');
  requireCreationScopes(caller, account);
  const known = new Map((await listRoles(deps.db)).map((r) => [r.name, r.permissions]));
  const unknown = account.roles.filter((r) => !known.has(r));
  if (unknown.length) {
    throw new ApiError('VALIDATION_ERROR', 'Request validation failed', {
      errors: [{ field: 'roles', message: `unknown roles: ${unknown.join(', ')}` }],
    });
  }
  // An API key is a machine credential: a leaked one must not be able to mint administrators.
  if (caller.kind === 'service' && account.roles.some((r) => isAdmin(known.get(r) ?? []))) {
    throw new ApiError('FORBIDDEN', 'Services cannot create users with administrator roles');
  }
  if (
    account.organization &&
    !(await organizationExists(deps.db, account.organization.organizationId))
  ) {
    throw unknownOrganization();
  }
  const roles = [...new Set(account.roles)];
  const id = await createAccount(
    deps,
    { ...account, roles },
    caller.kind === 'service'
      ? { actorId: null, by: caller.service }
      : { actorId: caller.userId, by: 'admin' },
  );
  // A verified address counts as verifying: invitations sent to it become memberships.
  if (account.emailVerified) await joinInvitedOrganizations(deps, { id, email: account.email });
  const [created, grants] = await Promise.all([userWithProfile(deps, id), grantsFor(deps, id)]);
  const organizations = grants.organizations.map(({ organization_id, role }) => ({
    organization_id,
    role,
  }));
  return { ...created, roles, organizations };
}

/**
 * What a service needs beyond users:create (security review M1: any key could mint a verified
 * org owner, then remove the real owner): an address it vouches for needs users:verify, a global
 * role beyond `user` needs users:roles (administering roles stay refused whatever the scopes),
 * and a membership, owner included, needs orgs:members, the scope that adds members directly.
 */
function requireCreationScopes(caller: Caller, account: NewAccount) {
  if (account.emailVerified) requireScope(caller, 'users:verify');
  if (account.roles.some((r) => r !== 'user')) requireScope(caller, 'users:roles');
  if (account.organization) requireScope(caller, 'orgs:members');
}

const unknownOrganization = () =>
  new ApiError('VALIDATION_ERROR', 'Request validation failed', {
    errors: [{ field: 'organization.organization_id', message: 'unknown organization' }],
  });

/** Everything a user's dashboard shows (self or admin; services may not). */
export async function dashboard(
  deps: Pick<Deps, 'db' | 'sessions' | 'now'>,
  caller: Caller,
  userId: string,
) {
  await assertSelfOrAdmin(deps, caller, userId, false);
  const now = deps.now();
  const [{ user, profile }, grants, sessions, recent, logins, mfa] = await Promise.all([
    userWithProfile(deps, userId),
    grantsFor(deps, userId),
    sessionStore(deps.sessions, userId).list(now),
    listAudit(deps.db, userId, 10),
    auditSummary(deps.db, userId, 'login_failed', new Date(now - DAY_MS), 'login_succeeded'),
    listMfaMethods(deps.db, userId, true),
  ]);
  // The caller's own session is marked only on their own dashboard.
  const currentSessionId =
    caller.kind === 'user' && caller.userId === userId ? caller.sessionId : '';
  const mfaEnabled = mfa.length > 0;
  return {
    user,
    profile,
    roles: grants.roles,
    organizations: grants.organizations,
    sessions,
    currentSessionId,
    recent,
    logins,
    mfaEnabled,
  };
}

/**
 * Applies an RFC 7396 merge patch to a user's preferences (self or admin) and returns the
 * merged document; 422 when it would outgrow PREFERENCES_MAX_BYTES.
 */
export async function mergePreferences(
  deps: Pick<Deps, 'db' | 'now'>,
  caller: Caller,
  userId: string,
  patch: Record<string, unknown>,
) {
  await assertSelfOrAdmin(deps, caller, userId, false);
  await userWithProfile(deps, userId);
  const merged = await patchPreferences(
    deps.db,
    userId,
    patch,
    PREFERENCES_MAX_BYTES,
    new Date(deps.now()),
  );
  if (!merged) {
    throw new ApiError('VALIDATION_ERROR', 'Preferences would exceed the size limit', {
      errors: [
        {
          field: '(body)',
          message: `merged preferences must be at most ${PREFERENCES_MAX_BYTES} bytes`,
        },
      ],
    });
  }
  return merged;
}

/** A page of a user's audit trail, newest first (self or admin), and the next page's cursor. */
export async function activity(
  deps: Pick<Deps, 'db'>,
  caller: Caller,
  userId: string,
  page: { limit: number; cursor?: string },
) {
  await assertSelfOrAdmin(deps, caller, userId, false);
  return pageOf(
    page,
    (q) => listAudit(deps.db, userId, q.limit, q.after),
    (e) => ({ at: e.createdAt.getTime(), id: e.id }),
  );
}
