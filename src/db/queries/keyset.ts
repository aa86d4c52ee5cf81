import { and, eq, lt, or } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';

/** Where the previous page of a newest-first list ended: its last row's time and id. */
export type Cursor = { at: number; id: string };

/**
 * Keyset condition of newest-first lists ordered by (at, id): the rows after the cursor (none
 * given: no condition). The id breaks ties between rows of the same millisecond.
 */
export const olderThan = (at: SQLiteColumn, id: SQLiteColumn, after?: Cursor) =>
  after
    ? or(lt(at, new Date(after.at)), and(eq(at, new Date(after.at)), lt(id, after.id)))
    : undefined;
