import { and, asc, desc, eq, exists } from 'drizzle-orm';
import type { Db } from '../client';
import {
  auditEvents,
  organizationMembers as members,
  organizations,
  type OrgTier,
} from '../schema';
import { auditInsert, auditInsertIf, type AuditEntry } from './audit';
import { olderThan, type Cursor } from './keyset';
import { actorHolds, membershipInsert, type ActorGuard } from './org-members';
import { uniqueViolation } from './unique-violation';

type Page = { limit: number; after?: Cursor };

/**
 * Creates an organization with its first owner and their audit entries in one batch; false
 * when the slug is taken.
 */
export async function createOrganization(
  db: Db,
  org: { id: string; name: string; slug: string; tier: OrgTier; ownerId: string },
  audit: AuditEntry[],
): Promise<boolean> {
  const at = audit[0]!.at;
  try {
    await db.batch([
      db.insert(organizations).values({
        id: org.id,
        name: org.name,
        slug: org.slug,
        tier: org.tier,
        createdAt: at,
        updatedAt: at,
      }),
      membershipInsert(db, { organizationId: org.id, userId: org.ownerId, role: 'owner', at }),
      ...audit.map((e) => auditInsert(db, e)),
    ]);
    return true;
  } catch (err) {
    if (uniqueViolation(err) === 'organizations.slug') return false;
    throw err;
  }
}

export async function organizationExists(db: Db, id: string) {
  const [row] = await db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.id, id))
    .limit(1);
  return row !== undefined;
}

/** Every organization a user belongs to, with their role (their grants). */
export function membershipsOf(db: Db, userId: string) {
  return db
    .select({ organizationId: organizations.id, name: organizations.name, role: members.role })
    .from(members)
    .innerJoin(organizations, eq(organizations.id, members.organizationId))
    .where(eq(members.userId, userId))
    .orderBy(asc(organizations.name), asc(organizations.id));
}

/** A page of a user's organizations with their role, newest membership first. */
export function organizationsOf(db: Db, userId: string, page: Page) {
  return db
    .select({ organization: organizations, role: members.role, joinedAt: members.createdAt })
    .from(members)
    .innerJoin(organizations, eq(organizations.id, members.organizationId))
    .where(
      and(
        eq(members.userId, userId),
        olderThan(members.createdAt, members.organizationId, page.after),
      ),
    )
    .orderBy(desc(members.createdAt), desc(members.organizationId))
    .limit(page.limit);
}

/** One organization by id, or null. */
export async function findOrganization(db: Db, orgId: string) {
  const [row] = await db.select().from(organizations).where(eq(organizations.id, orgId)).limit(1);
  return row ?? null;
}

/** The newest audit entries filed under an organization. */
export function orgActivity(db: Db, orgId: string, limit: number) {
  return db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.organizationId, orgId))
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(limit);
}

/** Updates the profile, with its audit entry; `slug` on a clash, null when it is gone. */
export async function updateOrganization(
  db: Db,
  orgId: string,
  fields: Partial<Pick<typeof organizations.$inferInsert, 'name' | 'slug' | 'tier' | 'settings'>>,
  audit: AuditEntry,
): Promise<'ok' | 'slug' | null> {
  const thisOrg = eq(organizations.id, orgId);
  try {
    const [, updated] = await db.batch([
      auditInsertIf(
        db,
        audit,
        exists(db.select({ id: organizations.id }).from(organizations).where(thisOrg)),
      ),
      db
        .update(organizations)
        .set({ ...fields, updatedAt: audit.at })
        .where(thisOrg)
        .returning({ id: organizations.id }),
    ]);
    return updated.length > 0 ? 'ok' : null;
  } catch (err) {
    if (uniqueViolation(err) === 'organizations.slug') return 'slug';
    throw err;
  }
}

/**
 * Deletes the organization (memberships and invitations cascade), with its audit entry, if the
 * actor still holds one of the roles. Returns whether it did.
 */
export async function deleteOrganization(
  db: Db,
  orgId: string,
  actor: ActorGuard,
  audit: AuditEntry,
) {
  const guard = and(eq(organizations.id, orgId), actorHolds(db, orgId, actor));
  const [, deleted] = await db.batch([
    auditInsertIf(
      db,
      audit,
      exists(db.select({ id: organizations.id }).from(organizations).where(guard)),
    ),
    db.delete(organizations).where(guard).returning({ id: organizations.id }),
  ]);
  return deleted.length > 0;
}
