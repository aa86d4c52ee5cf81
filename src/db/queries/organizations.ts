import { and, asc, count, desc, eq, exists, gt, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from '../client';
import {
  auditEvents,
  organizationInvitations as invitations,
  organizationMembers as members,
  organizations,
  profiles,
  users,
  type OrgRole,
  type OrgTier,
} from '../schema';
import { auditInsert, auditInsertIf, type AuditEntry } from './audit';
import { olderThan, type Cursor } from './keyset';
import { uniqueViolation } from './unique-violation';

type Batch = [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]];
type Page = { limit: number; after?: Cursor };

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

const usable = (now: Date) =>
  and(
    isNull(invitations.acceptedAt),
    isNull(invitations.revokedAt),
    gt(invitations.expiresAt, now),
  );

/** A live invitation by the hash of its token. */
export async function findInvitationByHash(db: Db, tokenHash: string, now: Date) {
  const [row] = await db
    .select()
    .from(invitations)
    .where(and(eq(invitations.tokenHash, tokenHash), usable(now)))
    .limit(1);
  return row ?? null;
}

/** The live invitations sent to an address (it has just been verified). */
export function liveInvitationsFor(db: Db, email: string, now: Date) {
  return db
    .select()
    .from(invitations)
    .where(and(eq(invitations.email, email), usable(now)))
    .orderBy(asc(invitations.createdAt));
}

/**
 * Turns a live invitation into a membership, with its audit entries, in one batch: every
 * statement is guarded by the invitation still being live, and the last one uses it up, so of
 * two concurrent acceptances one changes anything. Returns whether this one did.
 */
export async function acceptInvitation(
  db: Db,
  invitationId: string,
  userId: string,
  audit: AuditEntry[],
): Promise<boolean> {
  const now = audit[0]!.at;
  const live = and(eq(invitations.id, invitationId), usable(now));
  const stillLive = exists(db.select({ id: invitations.id }).from(invitations).where(live));
  const results = await db.batch([
    db
      .insert(members)
      .select(
        db
          .select({
            organizationId: invitations.organizationId,
            userId: sql`${userId}`.as('user_id'),
            role: invitations.role,
            createdAt: sql`${now.getTime()}`.as('created_at'),
          })
          .from(invitations)
          .where(live),
      )
      .onConflictDoNothing(),
    ...audit.map((e) => auditInsertIf(db, e, stillLive)),
    db
      .update(invitations)
      .set({ acceptedAt: now, acceptedBy: userId })
      .where(live)
      .returning({ id: invitations.id }),
  ] as Batch);
  return (results.at(-1) as unknown[]).length > 0;
}

/** What an actor must hold for a guarded write; `null` for a global admin, who needs nothing. */
export type ActorGuard = { userId: string; roles: readonly OrgRole[] } | null;

/**
 * The queries of one organization. Every read and write of org data goes through here, and
 * each one filters by this organization's id, so no query can forget the filter.
 */
export function orgScope(db: Db, orgId: string) {
  const inOrg = eq(members.organizationId, orgId);
  const owners = alias(members, 'owners');
  const actors = alias(members, 'actors');
  /** More than one owner right now (evaluated inside the statement that uses it). */
  const ownersLeft = sql`(${db
    .select({ n: count() })
    .from(owners)
    .where(and(eq(owners.organizationId, orgId), eq(owners.role, 'owner')))}) > 1`;
  /** The actor still holds one of the roles (read in the same statement as the write). */
  const actorHolds = (actor: ActorGuard) =>
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
  const memberRow = (userId: string) => and(inOrg, eq(members.userId, userId));
  const memberExists = (where: SQL | undefined) =>
    exists(db.select({ id: members.userId }).from(members).where(where));

  return {
    async get() {
      const [row] = await db
        .select()
        .from(organizations)
        .where(eq(organizations.id, orgId))
        .limit(1);
      return row ?? null;
    },

    async role(userId: string): Promise<OrgRole | null> {
      const [row] = await db
        .select({ role: members.role })
        .from(members)
        .where(memberRow(userId))
        .limit(1);
      return row?.role ?? null;
    },

    async ownerCount() {
      const [row] = await db
        .select({ n: count() })
        .from(members)
        .where(and(inOrg, eq(members.role, 'owner')));
      return row?.n ?? 0;
    },

    /** A page of members with their account and names, newest first. */
    members(page: Page) {
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
        .where(and(inOrg, olderThan(members.createdAt, members.userId, page.after)))
        .orderBy(desc(members.createdAt), desc(members.userId))
        .limit(page.limit);
    },

    async countByRole() {
      return db
        .select({ role: members.role, n: count() })
        .from(members)
        .where(inOrg)
        .groupBy(members.role);
    },

    /** The newest audit entries filed under this organization. */
    activity(limit: number) {
      return db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.organizationId, orgId))
        .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
        .limit(limit);
    },

    /** Updates the profile, with its audit entry; `slug` on a clash, null when it is gone. */
    async update(
      fields: Partial<
        Pick<typeof organizations.$inferInsert, 'name' | 'slug' | 'tier' | 'settings'>
      >,
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
    },

    /**
     * Deletes the organization (memberships and invitations cascade), with its audit entry,
     * if the actor still holds one of the roles. Returns whether it did.
     */
    async delete(actor: ActorGuard, audit: AuditEntry) {
      const guard = and(eq(organizations.id, orgId), actorHolds(actor));
      const [, deleted] = await db.batch([
        auditInsertIf(
          db,
          audit,
          exists(db.select({ id: organizations.id }).from(organizations).where(guard)),
        ),
        db.delete(organizations).where(guard).returning({ id: organizations.id }),
      ]);
      return deleted.length > 0;
    },

    /** Adds a member with its audit entry; false when they already are one. */
    async addMember(userId: string, role: OrgRole, audit: AuditEntry) {
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
    },

    /**
     * Gives a member a new role in one conditional statement (and its audit entry under the
     * same condition): the member's current role is one of `from`, the actor still holds one
     * of their roles, and an owner is demoted only while another owner remains. Two owners
     * demoting each other at once therefore leave one. Returns whether the role changed.
     */
    async changeRole(
      userId: string,
      to: OrgRole,
      from: readonly OrgRole[],
      actor: ActorGuard,
      audit: AuditEntry,
    ) {
      const guard = and(
        memberRow(userId),
        inArray(members.role, [...from]),
        to === 'owner' ? undefined : or(ne(members.role, 'owner'), ownersLeft),
        actorHolds(actor),
      );
      const [, changed] = await db.batch([
        auditInsertIf(db, audit, memberExists(guard)),
        db.update(members).set({ role: to }).where(guard).returning({ id: members.userId }),
      ]);
      return changed.length > 0;
    },

    /** Removes a member under the same rules as changeRole (never the last owner). */
    async removeMember(
      userId: string,
      from: readonly OrgRole[],
      actor: ActorGuard,
      audit: AuditEntry,
    ) {
      const guard = and(
        memberRow(userId),
        inArray(members.role, [...from]),
        or(ne(members.role, 'owner'), ownersLeft),
        actorHolds(actor),
      );
      const [, removed] = await db.batch([
        auditInsertIf(db, audit, memberExists(guard)),
        db.delete(members).where(guard).returning({ id: members.userId }),
      ]);
      return removed.length > 0;
    },

    /** A page of invitations, newest first. */
    invitations(page: Page) {
      return db
        .select()
        .from(invitations)
        .where(
          and(
            eq(invitations.organizationId, orgId),
            olderThan(invitations.createdAt, invitations.id, page.after),
          ),
        )
        .orderBy(desc(invitations.createdAt), desc(invitations.id))
        .limit(page.limit);
    },

    /**
     * Stores an invitation with its audit entry; an older live invitation of the same address
     * is revoked in the same batch, so only the newest link works.
     */
    async invite(
      inv: {
        id: string;
        email: string;
        role: OrgRole;
        tokenHash: string;
        invitedBy: string;
        ttlMs: number;
      },
      audit: AuditEntry,
    ) {
      const now = audit.at;
      await db.batch([
        db
          .update(invitations)
          .set({ revokedAt: now })
          .where(
            and(
              eq(invitations.organizationId, orgId),
              eq(invitations.email, inv.email),
              usable(now),
            ),
          ),
        db.insert(invitations).values({
          id: inv.id,
          organizationId: orgId,
          email: inv.email,
          role: inv.role,
          tokenHash: inv.tokenHash,
          invitedBy: inv.invitedBy,
          expiresAt: new Date(now.getTime() + inv.ttlMs),
          createdAt: now,
        }),
        auditInsert(db, audit),
      ]);
    },

    /** Revokes a live invitation with its audit entry; false when there is none by that id. */
    async revokeInvitation(invitationId: string, audit: AuditEntry) {
      const live = and(
        eq(invitations.organizationId, orgId),
        eq(invitations.id, invitationId),
        usable(audit.at),
      );
      const [, revoked] = await db.batch([
        auditInsertIf(
          db,
          audit,
          exists(db.select({ id: invitations.id }).from(invitations).where(live)),
        ),
        db
          .update(invitations)
          .set({ revokedAt: audit.at })
          .where(live)
          .returning({ id: invitations.id }),
      ]);
      return revoked.length > 0;
    },
  };
}

export type OrgScope = ReturnType<typeof orgScope>;
