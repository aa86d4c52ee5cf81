import { membershipsOf, organizationExists } from '../db/queries/organizations';
import { grantsOf, type Grants as GlobalGrants } from '../db/queries/rbac';
import { findUserById, findUserWithProfile } from '../db/queries/users';
import { ApiError, orUnavailable } from '../lib/errors';
import type { AccessClaims } from '../lib/jwt';
import { READ_SCOPES, type Scope } from '../lib/service-keys';
import type { Deps } from './deps';
import { orgPermissions, type OrgRole } from './org-roles';

export type { Scope } from '../lib/service-keys';

/**
 * Who is asking: a signed-in user (a verified access token of a live session) or a service
 * (an API key or a service binding) with the scopes its key grants. Routes that take both see
 * which one it is.
 */
export type Caller =
  | { kind: 'user'; userId: string; sessionId: string; claims: AccessClaims }
  | { kind: 'service'; service: string; scopes: ReadonlySet<Scope> };

/**
 * A service binding (RPC) needs no key: the deployment's own configuration grants it. Its
 * methods are the reads plus track(), so it holds exactly those scopes.
 */
export const SERVICE_BINDING_CALLER: Caller = {
  kind: 'service',
  service: 'service-binding',
  scopes: new Set<Scope>([...READ_SCOPES, 'analytics:write']),
};

/**
 * A service must hold `scope` for what it asks (403 FORBIDDEN naming the scope, so the operator
 * knows which one to grant). Users pass: their rights are checked by role, not by scope. HTTP
 * and RPC both go through this, so a scope means the same on either path.
 */
export function requireScope(caller: Caller, scope: Scope): void {
  if (caller.kind === 'service' && !caller.scopes.has(scope)) {
    throw new ApiError('FORBIDDEN', `This service key lacks the scope ${scope}`);
  }
}

interface OrganizationGrant {
  organization_id: string;
  name: string;
  role: OrgRole;
  permissions: string[];
}

/**
 * What a user may do: global roles and permissions, and the same per organization (each grant
 * holds only inside its organization).
 */
export interface Grants extends GlobalGrants {
  organizations: OrganizationGrant[];
}

/** Whether any granted permission covers `resource:action`; `*` matches any part. */
export function permits(granted: readonly string[], resource: string, action: string): boolean {
  return granted.some((p) => {
    const [r, a] = p.split(':');
    return (r === '*' || r === resource) && (a === '*' || a === action);
  });
}

/** Admin routes need `admin_panel:admin` (the seeded admin role has `*:*`). */
export const isAdmin = (granted: readonly string[]) => permits(granted, 'admin_panel', 'admin');

/** A user's grants, global and per organization, read fresh from D1 (503 when it cannot answer). */
export async function grantsFor(deps: Pick<Deps, 'db'>, userId: string): Promise<Grants> {
  const [global, memberships] = await orUnavailable('Database', () =>
    Promise.all([grantsOf(deps.db, userId), membershipsOf(deps.db, userId)]),
  );
  return {
    ...global,
    organizations: memberships.map((m) => ({
      organization_id: m.organizationId,
      name: m.name,
      role: m.role,
      permissions: orgPermissions(m.role),
    })),
  };
}

/**
 * Whether the caller is an admin right now: read from D1, not the token, whose roles may
 * predate a change.
 */
export async function isAdminNow(deps: Pick<Deps, 'db'>, caller: Caller): Promise<boolean> {
  if (caller.kind !== 'user') return false;
  return isAdmin((await grantsFor(deps, caller.userId)).permissions);
}

/**
 * The api.md rule for per-user routes: the user themself, an admin, or a service holding
 * `scope` (`false`: no service at all). Anyone else gets 403; the target's existence is not
 * revealed.
 */
export async function assertSelfOrAdmin(
  deps: Pick<Deps, 'db'>,
  caller: Caller,
  userId: string,
  scope: Scope | false,
): Promise<void> {
  if (caller.kind === 'service') {
    if (scope) return requireScope(caller, scope);
    throw new ApiError('FORBIDDEN', 'Services may not use this route');
  }
  if (caller.userId === userId) return;
  if (!(await isAdminNow(deps, caller))) {
    throw new ApiError('FORBIDDEN', 'Not allowed for this user');
  }
}

/** Services holding `scope`, or users who are admins right now; anyone else 403. */
export async function assertServiceOrAdmin(deps: Pick<Deps, 'db'>, caller: Caller, scope: Scope) {
  if (caller.kind === 'service') return requireScope(caller, scope);
  if (!(await isAdminNow(deps, caller))) {
    throw new ApiError('FORBIDDEN', 'Service or administrator access is required');
  }
}

/** A user and their profile, or 404. */
export async function userWithProfile(deps: Pick<Deps, 'db'>, userId: string) {
  const row = await findUserWithProfile(deps.db, userId);
  if (!row) throw new ApiError('NOT_FOUND', 'User not found');
  return row;
}

export interface AuthorizeQuestion {
  user_id: string;
  resource: string;
  action: string;
  organization_id?: string;
}

/** Why an action is refused, as a code a caller can branch on (and `detail` in words). */
type DenyReason = 'unknown_user' | 'suspended' | 'not_member' | 'missing_permission';

export type Decision = { allowed: true } | { allowed: false; reason: DenyReason; detail: string };

/** Whether a user may do `action` on `resource` now: roles are read from D1, not a token. */
export async function authorize(deps: Pick<Deps, 'db'>, q: AuthorizeQuestion): Promise<Decision> {
  const [user, grants] = await Promise.all([
    orUnavailable('Database', () => findUserById(deps.db, q.user_id)),
    grantsFor(deps, q.user_id),
  ]);
  if (!user) return { allowed: false, reason: 'unknown_user', detail: 'unknown user' };
  if (user.status !== 'active') {
    return { allowed: false, reason: 'suspended', detail: 'account suspended' };
  }
  const granted = await grantedIn(deps, grants, q.organization_id);
  if (!granted) {
    return {
      allowed: false,
      reason: 'not_member',
      detail: 'not a member of this organization',
    };
  }
  return permits(granted, q.resource, q.action)
    ? { allowed: true }
    : {
        allowed: false,
        reason: 'missing_permission',
        detail: `missing permission ${q.resource}:${q.action}`,
      };
}

/**
 * The permissions that count for a question: the global ones, or inside an organization only
 * that organization's grant (none: not a member). A global admin keeps their global rights in
 * every organization that exists.
 */
async function grantedIn(
  deps: Pick<Deps, 'db'>,
  grants: Grants,
  organizationId: string | undefined,
): Promise<string[] | undefined> {
  if (organizationId === undefined) return grants.permissions;
  const org = grants.organizations.find((o) => o.organization_id === organizationId);
  if (!isAdmin(grants.permissions)) return org?.permissions;
  if (org) return [...grants.permissions, ...org.permissions];
  const exists = await orUnavailable('Database', () => organizationExists(deps.db, organizationId));
  return exists ? grants.permissions : undefined;
}

/** A user's roles and permissions, or null when the user does not exist. */
export async function permissionsOf(deps: Pick<Deps, 'db'>, userId: string) {
  const [user, grants] = await Promise.all([
    orUnavailable('Database', () => findUserById(deps.db, userId)),
    grantsFor(deps, userId),
  ]);
  return user ? { user_id: userId, ...grants } : null;
}
