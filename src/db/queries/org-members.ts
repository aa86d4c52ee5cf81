import { and, count, desc, eq, exists, inArray, ne, or, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from '../client';
import { organizationMembers as members, profiles, users, type OrgRole } from '../schema';
import { auditInsert, auditInsertIf, type AuditEntry } from './audit';
import { olderThan, type Cursor } from './keyset';
import { uniqueViolation } from './unique-violation';

type Page = { limit: number; after?: Cursor };

/** What an actor must hold for a guarded write; `null` for a global admin, who needs nothing. */
export type ActorGuard = { userId: string; roles: readonly OrgRole[] } | null;

const actors = alias(members, 'actors');

/**
 * The actor still holds one of the roles in the organization, as a condition evaluated inside
 * the statement that writes, so a demotion racing the write is seen (undefined: no condition).
 */
export const actorHolds = (db: Db, orgId: string, actor: ActorGuard) =>
  actor === null
    ? undefined
    : exists(
        db
          .select({ id: actors.userId })
          .from(actors)
          .where(
            and(
              eq(actors.organizationId, orgId),
              eq(actors.userId, actor.userId),
              inArray(actors.role, [...actor.roles]),
            ),
          ),
      );

/** The membership row to insert, for batches outside this file (a user created with one). */
export const membershipInsert = (
  db: Db,
  m: { organizationId: string; userId: string; role: OrgRole; at: Date },
) =>
  db.insert(members).values({
    organizationId: m.organizationId,
    userId: m.userId,
    role: m.role,
    createdAt: m.at,
  });

const memberRow = (orgId: string, userId: string) =>
  and(eq(members.organizationId, orgId), eq(members.userId, userId));

/** A user's role in the organization, or null when they are not a member. */
export async function memberRole(db: Db, orgId: string, userId: string): Promise<OrgRole | null> {
  const [row] = await db
    .select({ role: members.role })
    .from(members)
    .where(memberRow(orgId, userId))
    .limit(1);
  return row?.role ?? null;
}

export async function ownerCount(db: Db, orgId: string) {
  const [row] = await db
    .select({ n: count() })
    .from(members)
    .where(and(eq(members.organizationId, orgId), eq(members.role, 'owner')));
  return row?.n ?? 0;
}

/** A page of members with their account and names, newest first. */
export function membersPage(db: Db, orgId: string, page: Page) {
  return db
    .select({
      userId: members.userId,
      role: members.role,
      joinedAt: members.createdAt,
      email: users.email,
      firstName: profiles.firstName,
      lastName: profiles.lastName,
    })
    .from(members)
    .innerJoin(users, eq(users.id, members.userId))
    .leftJoin(profiles, eq(profiles.userId, members.userId))
    .where(
      and(
        eq(members.organizationId, orgId),
        olderThan(members.createdAt, members.userId, page.after),
      ),
    )
    .orderBy(desc(members.createdAt), desc(members.userId))
    .limit(page.limit);
}

export function countByRole(db: Db, orgId: string) {
  return db
    .select({ role: members.role, n: count() })
    .from(members)
    .where(eq(members.organizationId, orgId))
    .groupBy(members.role);
}

/** Adds a member with its audit entry; false when they already are one. */
export async function insertMember(
  db: Db,
  orgId: string,
  userId: string,
  role: OrgRole,
  audit: AuditEntry,
) {
  try {
    await db.batch([
      membershipInsert(db, { organizationId: orgId, userId, role, at: audit.at }),
      auditInsert(db, audit),
    ]);
    return true;
  } catch (err) {
    if (uniqueViolation(err)?.startsWith('organization_members.')) return false;
    throw err;
  }
}

const owners = alias(members, 'owners');

/** More than one owner right now (evaluated inside the statement that uses it). */
const ownersLeft = (db: Db, orgId: string) =>
  sql`(${db
    .select({ n: count() })
    .from(owners)
    .where(and(eq(owners.organizationId, orgId), eq(owners.role, 'owner')))}) > 1`;

const memberExists = (db: Db, where: SQL | undefined) =>
  exists(db.select({ id: members.userId }).from(members).where(where));

/** Who may be changed, by whom: the target's current role and the actor's guard. */
export type MemberRule = { from: readonly OrgRole[]; actor: ActorGuard };

/**
 * Gives a member a new role in one conditional statement (and its audit entry under the same
 * condition): the member's current role is one of `rule.from`, the actor still holds one of
 * their roles, and an owner is demoted only while another owner remains. Two owners demoting
 * each other at once therefore leave one. Returns whether the role changed.
 */
export async function updateMemberRole(
  db: Db,
  orgId: string,
  userId: string,
  to: OrgRole,
  rule: MemberRule,
  audit: AuditEntry,
) {
  const guard = and(
    memberRow(orgId, userId),
    inArray(members.role, [...rule.from]),
    to === 'owner' ? undefined : or(ne(members.role, 'owner'), ownersLeft(db, orgId)),
    actorHolds(db, orgId, rule.actor),
  );
  const [, changed] = await db.batch([
    auditInsertIf(db, audit, memberExists(db, guard)),
    db.update(members).set({ role: to }).where(guard).returning({ id: members.userId }),
  ]);
  return changed.length > 0;
}

/** Removes a member under the same rules as updateMemberRole (never the last owner). */
export async function deleteMember(
  db: Db,
  orgId: string,
  userId: string,
  rule: MemberRule,
  audit: AuditEntry,
) {
  const guard = and(
    memberRow(orgId, userId),
    inArray(members.role, [...rule.from]),
    or(ne(members.role, 'owner'), ownersLeft(db, orgId)),
    actorHolds(db, orgId, rule.actor),
  );
  const [, removed] = await db.batch([
    auditInsertIf(db, audit, memberExists(db, guard)),
    db.delete(members).where(guard).returning({ id: members.userId }),
  ]);
  return removed.length > 0;
}
