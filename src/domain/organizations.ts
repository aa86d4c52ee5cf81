import {
  createOrganization as storeOrganization,
  deleteOrganization as dropOrganization,
  findOrganization,
  orgActivity,
  organizationsOf,
  updateOrganization as storeOrganizationUpdate,
} from '../db/queries/organizations';
import { countByRole, memberRole, type ActorGuard } from '../db/queries/org-members';
import { grantsOf } from '../db/queries/rbac';
import { findUserById } from '../db/queries/users';
import { ORG_TIERS, type Organization, type OrgTier } from '../db/schema';
import { ApiError, orUnavailable } from '../lib/errors';
import { decodeCursor, encodeCursor } from '../lib/pagination';
import { isAdmin, permits } from './access';
import type { Deps } from './deps';
import { ORG_ROLES, orgPermissions, type OrgRole } from './org-roles';
import { orgUsage } from './org-usage';

// The organization's row and tiers are this module's, for the routes that show them.
export { ORG_TIERS, type Organization };

/** How far back the dashboard's usage looks. */
const USAGE_WINDOW_MS = 30 * 86_400_000;

const ACTIVITY_ITEMS = 20;

export type PageRequest = { limit: number; cursor?: string };

// A non-member learns nothing, not even that the organization exists (api.md: 403 or 404).
const notFound = () => new ApiError('NOT_FOUND', 'Organization not found');

/**
 * security.md "Membership and service privileges": creating an organization and inviting need
 * a verified email, so an account registered on someone else's address cannot send mail under
 * our name or collect members.
 */
export const notVerified = (what: string) =>
  new ApiError('EMAIL_NOT_VERIFIED', `Confirm your email address before ${what}`);

/** A URL-safe slug from a name: lower-case ASCII words joined by dashes. */
function slugify(name: string): string {
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
export async function enter(deps: Pick<Deps, 'db'>, userId: string, orgId: string) {
  const [org, role, global] = await orUnavailable('Database', () =>
    Promise.all([
      findOrganization(deps.db, orgId),
      memberRole(deps.db, orgId, userId),
      grantsOf(deps.db, userId),
    ]),
  );
  const globalAdmin = isAdmin(global.permissions);
  if (!org || (!role && !globalAdmin)) throw notFound();
  const permissions = orgPermissions(role ?? 'owner');
  return {
    org,
    role,
    globalAdmin,
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

export type Entered = Awaited<ReturnType<typeof enter>>;

/** A page of `limit` rows out of `limit + 1` read, with the cursor of the next one. */
export const page = <T>(rows: T[], limit: number, key: (row: T) => { at: number; id: string }) => {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    next_cursor: rows.length > limit && last ? encodeCursor(key(last)) : null,
  };
};

/** Creates an organization; the creator is its owner. 409 SLUG_TAKEN when the slug is taken. */
export async function createOrganization(
  deps: Pick<Deps, 'db' | 'events'>,
  userId: string,
  input: { name: string; slug?: string; tier: OrgTier },
) {
  const creator = await orUnavailable('Database', () => findUserById(deps.db, userId));
  if (!creator?.emailVerifiedAt) throw notVerified('creating an organization');
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
    if (created) return { org: (await findOrganization(deps.db, id))!, role: 'owner' as const };
    // A slug the client chose is theirs to change; a derived one gets a random suffix.
    if (!derived || attempt >= 2) throw new ApiError('SLUG_TAKEN', `The slug ${slug} is taken`);
    slug = `${slugify(input.name).slice(0, 33)}-${crypto.randomUUID().slice(0, 6)}`;
  }
}

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
    const result = await storeOrganizationUpdate(
      deps.db,
      orgId,
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
  const org = await findOrganization(deps.db, orgId);
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
  const deleted = await dropOrganization(
    deps.db,
    orgId,
    at.guard(['owner']),
    deps.events.entry({ type: 'org_deleted', user_id: userId, organization_id: orgId }),
  );
  if (!deleted) throw new ApiError('FORBIDDEN', 'Only an owner may delete the organization');
}

/** What the organization's dashboard shows (any member). */
export async function dashboard(deps: Pick<Deps, 'db' | 'now'>, userId: string, orgId: string) {
  const at = await enter(deps, userId, orgId);
  at.require('organization', 'read');
  const to = new Date(deps.now());
  const range = { from: new Date(to.getTime() - USAGE_WINDOW_MS), to };
  const [byRole, activity, usage] = await Promise.all([
    countByRole(deps.db, orgId),
    orgActivity(deps.db, orgId, ACTIVITY_ITEMS),
    orgUsage(deps, orgId, range),
  ]);
  const membersByRole = Object.fromEntries(ORG_ROLES.map((r) => [r, 0])) as Record<OrgRole, number>;
  for (const row of byRole) membersByRole[row.role] = row.n;
  return { org: at.org, role: at.role, membersByRole, activity, usage, range };
}
