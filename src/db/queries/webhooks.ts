import { and, desc, eq, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import {
  organizations,
  users,
  webhookDeliveries as deliveries,
  webhookEndpoints as endpoints,
  type DeliveryStatus,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../schema';
import { olderThan, type Cursor } from './keyset';

type Page = { limit: number; after?: Cursor };

export async function insertEndpoint(db: Db, row: WebhookEndpoint) {
  await db.insert(endpoints).values(row);
}

export async function findEndpoint(db: Db, id: string) {
  const [row] = await db.select().from(endpoints).where(eq(endpoints.id, id)).limit(1);
  return row ?? null;
}

/** An organization's endpoints (`null`: the deployment's), newest first. */
export const listEndpoints = (db: Db, organizationId: string | null, page: Page) =>
  db
    .select()
    .from(endpoints)
    .where(
      and(
        organizationId === null
          ? isNull(endpoints.organizationId)
          : eq(endpoints.organizationId, organizationId),
        olderThan(endpoints.createdAt, endpoints.id, page.after),
      ),
    )
    .orderBy(desc(endpoints.createdAt), desc(endpoints.id))
    .limit(page.limit);

/**
 * Every endpoint, the deployment's and each organization's (with its name), newest first; or
 * one organization's. For the admin console.
 */
export const endpointsWithOrg = (db: Db, page: Page, organizationId?: string) =>
  db
    .select({ endpoint: endpoints, organizationName: organizations.name })
    .from(endpoints)
    .leftJoin(organizations, eq(organizations.id, endpoints.organizationId))
    .where(
      and(
        organizationId === undefined ? undefined : eq(endpoints.organizationId, organizationId),
        olderThan(endpoints.createdAt, endpoints.id, page.after),
      ),
    )
    .orderBy(desc(endpoints.createdAt), desc(endpoints.id))
    .limit(page.limit);

export type EndpointPatch = Partial<
  Pick<
    WebhookEndpoint,
    | 'url'
    | 'description'
    | 'eventTypes'
    | 'disabled'
    | 'failingSince'
    | 'secretEnc'
    | 'previousSecretEnc'
    | 'previousSecretExpiresAt'
  >
>;

/** Changes an endpoint; the row after the change, or null when it is gone. */
export async function updateEndpoint(db: Db, id: string, patch: EndpointPatch, now: Date) {
  const [row] = await db
    .update(endpoints)
    .set({ ...patch, updatedAt: now })
    .where(eq(endpoints.id, id))
    .returning();
  return row ?? null;
}

/** Disables an enabled endpoint; whether this call did (a concurrent one may have). */
export async function disableEndpoint(db: Db, id: string, now: Date) {
  const rows = await db
    .update(endpoints)
    .set({ disabled: true, updatedAt: now })
    .where(and(eq(endpoints.id, id), eq(endpoints.disabled, false)))
    .returning({ id: endpoints.id });
  return rows.length > 0;
}

/** Deletes an endpoint and (cascade) its deliveries; whether it existed. */
export async function deleteEndpoint(db: Db, id: string) {
  const rows = await db
    .delete(endpoints)
    .where(eq(endpoints.id, id))
    .returning({ id: endpoints.id });
  return rows.length > 0;
}

/**
 * The enabled endpoints an event of `organizationId` may go to: the deployment's, and the
 * organization's own (never another organization's). The caller filters by event type.
 */
export const candidateEndpoints = (db: Db, organizationId: string | null) =>
  db
    .select({ id: endpoints.id, eventTypes: endpoints.eventTypes })
    .from(endpoints)
    .where(
      and(
        eq(endpoints.disabled, false),
        organizationId === null
          ? isNull(endpoints.organizationId)
          : or(isNull(endpoints.organizationId), eq(endpoints.organizationId, organizationId)),
      ),
    );

// D1 binds at most 100 parameters per statement: 12 columns a row, 8 rows a statement.
const ROWS_PER_INSERT = 8;

/**
 * Stores deliveries in one batch; ids are derived from (message, endpoint), so a redelivered
 * fan-out message stores nothing twice.
 */
export async function insertDeliveries(db: Db, rows: WebhookDelivery[]) {
  const statements = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    statements.push(db.insert(deliveries).values(chunk).onConflictDoNothing());
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/** A delivery with its endpoint (null when either is gone). */
export async function findDeliveryWithEndpoint(db: Db, id: string) {
  const [row] = await db
    .select({ delivery: deliveries, endpoint: endpoints })
    .from(deliveries)
    .innerJoin(endpoints, eq(endpoints.id, deliveries.endpointId))
    .where(eq(deliveries.id, id))
    .limit(1);
  return row ?? null;
}

export const listDeliveries = (db: Db, endpointId: string, page: Page) =>
  db
    .select()
    .from(deliveries)
    .where(
      and(
        eq(deliveries.endpointId, endpointId),
        olderThan(deliveries.createdAt, deliveries.id, page.after),
      ),
    )
    .orderBy(desc(deliveries.createdAt), desc(deliveries.id))
    .limit(page.limit);

export interface AttemptRecord {
  status: DeliveryStatus;
  statusCode: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
  /** The endpoint's run of failures: started (kept if already running), ended, or untouched. */
  failing: 'start' | 'clear' | 'keep';
  at: Date;
}

/** One attempt's outcome on the delivery and its endpoint, in one batch. */
export async function recordAttempt(
  db: Db,
  delivery: { id: string; endpointId: string },
  r: AttemptRecord,
) {
  const logged = db
    .update(deliveries)
    .set({
      status: r.status,
      attempts: sql`${deliveries.attempts} + 1`,
      lastStatusCode: r.statusCode,
      lastError: r.error,
      nextAttemptAt: r.nextAttemptAt,
      updatedAt: r.at,
    })
    .where(eq(deliveries.id, delivery.id));
  if (r.failing === 'keep') return void (await logged);
  const failingSince =
    r.failing === 'clear' ? null : sql`coalesce(${endpoints.failingSince}, ${r.at.getTime()})`;
  await db.batch([
    logged,
    db.update(endpoints).set({ failingSince }).where(eq(endpoints.id, delivery.endpointId)),
  ]);
}

/** Sets a delivery's status without counting an attempt (a replay queues it again). */
export async function setDeliveryStatus(
  db: Db,
  id: string,
  status: DeliveryStatus,
  at: Date,
  error: string | null = null,
) {
  await db
    .update(deliveries)
    .set({
      status,
      updatedAt: at,
      nextAttemptAt: null,
      ...(error !== null && { lastError: error }),
    })
    .where(eq(deliveries.id, id));
}

/** The address of a user (an endpoint's creator, told when it is disabled). */
export async function emailOf(db: Db, userId: string) {
  const [row] = await db
    .select({ email: users.email })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return row?.email ?? null;
}
