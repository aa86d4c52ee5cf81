import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../client';
import {
  analyticsCostHourly,
  analyticsCustomTypes,
  analyticsEventHourly,
  analyticsEvents,
  analyticsMetricHourly,
} from '../schema';

/**
 * Whether `caller` may send custom event type `eventType` on `day`: yes if it already did that
 * day, or if it has introduced fewer than `cap` types so far (the type is then recorded). The
 * count and the insert are one statement, so parallel requests cannot both take the last slot.
 */
export async function admitCustomType(
  db: Db,
  q: { caller: string; day: number; eventType: string; cap: number },
): Promise<boolean> {
  const t = analyticsCustomTypes;
  const [, known] = await db.batch([
    db
      .insert(t)
      .select(
        // INSERT … SELECT fills the columns in the table's declared order (caller, day, type).
        sql`select ${q.caller}, ${q.day}, ${q.eventType} where (select count(*) from ${t} where ${t.caller} = ${q.caller} and ${t.day} = ${q.day}) < ${q.cap}`,
      )
      .onConflictDoNothing(),
    db
      .select({ one: sql<number>`1` })
      .from(t)
      .where(and(eq(t.caller, q.caller), eq(t.day, q.day), eq(t.eventType, q.eventType))),
  ]);
  return known.length > 0;
}

/**
 * The retention cron: hourly rollups of hours before `before` (ms), and the type quota of days
 * before `beforeDay`, in one batch.
 */
export async function pruneRollups(db: Db, before: number, beforeDay: number) {
  await db.batch([
    db.delete(analyticsEventHourly).where(lt(analyticsEventHourly.hour, before)),
    db.delete(analyticsMetricHourly).where(lt(analyticsMetricHourly.hour, before)),
    db.delete(analyticsCostHourly).where(lt(analyticsCostHourly.hour, before)),
    db.delete(analyticsCustomTypes).where(lt(analyticsCustomTypes.day, beforeDay)),
  ]);
}

/** Deletes raw events that happened before `before`; the rollups stay. Returns how many. */
export async function pruneRawEvents(db: Db, before: number): Promise<number> {
  const result = await db
    .delete(analyticsEvents)
    .where(lt(analyticsEvents.occurredAt, before))
    .returning({ id: analyticsEvents.eventId });
  return result.length;
}
