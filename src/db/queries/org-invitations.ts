import { and, asc, desc, eq, exists, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from '../client';
import {
  organizationInvitations as invitations,
  organizationMembers as members,
  type OrgRole,
} from '../schema';
import { auditInsert, auditInsertIf, type AuditEntry } from './audit';
import { olderThan, type Cursor } from './keyset';

type Batch = [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]];
type Page = { limit: number; after?: Cursor };

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

const inviters = alias(members, 'inviters');

/**
 * Turns a live invitation into a membership, with its audit entries, in one batch: every
 * statement is guarded by the invitation still being live and its inviter still holding one of
 * `inviterRoles` (read in the same statement, so a removal racing the acceptance is seen), and
 * the last one uses it up, so of two concurrent acceptances one changes anything. Returns
 * whether this one did.
 */
export async function acceptInvitation(
  db: Db,
  invitationId: string,
  userId: string,
  inviterRoles: readonly OrgRole[],
  audit: AuditEntry[],
): Promise<boolean> {
  const now = audit[0]!.at;
  const inviterMayManage = exists(
    db
      .select({ id: inviters.userId })
      .from(inviters)
      .where(
        and(
          eq(inviters.organizationId, invitations.organizationId),
          eq(inviters.userId, invitations.invitedBy),
          inArray(inviters.role, [...inviterRoles]),
        ),
      ),
  );
  const live = and(eq(invitations.id, invitationId), usable(now), inviterMayManage);
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

/** A page of an organization's invitations, newest first. */
export function invitationsPage(db: Db, orgId: string, page: Page) {
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
}

/**
 * Stores an invitation with its audit entry; an older live invitation of the same address to
 * the same organization is revoked in the same batch, so only the newest link works.
 */
export async function insertInvitation(
  db: Db,
  inv: {
    id: string;
    organizationId: string;
    email: string;
    inviteeId: string | null;
    role: OrgRole;
    tokenHash: string;
    invitedBy: string;
    expiresAt: Date;
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
          eq(invitations.organizationId, inv.organizationId),
          eq(invitations.email, inv.email),
          usable(now),
        ),
      ),
    db.insert(invitations).values({ ...inv, createdAt: now }),
    auditInsert(db, audit),
  ]);
}

/** Revokes a live invitation with its audit entry; false when there is none by that id. */
export async function revokeInvitation(
  db: Db,
  orgId: string,
  invitationId: string,
  audit: AuditEntry,
) {
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
}
