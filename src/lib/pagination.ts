import { z } from 'zod';
import { base64url } from './crypto';
import { ApiError } from './errors';

const CursorSchema = z.object({ at: z.number(), id: z.string() });
export type Cursor = z.infer<typeof CursorSchema>;

export const encodeCursor = (c: Cursor) => base64url.encode(JSON.stringify(c));

/** Decodes a cursor, or 400 BAD_REQUEST: a cursor is opaque, so a forged one is a client error. */
export function decodeCursor(raw: string | undefined): Cursor | undefined {
  if (raw === undefined) return undefined;
  try {
    return CursorSchema.parse(JSON.parse(new TextDecoder().decode(base64url.decode(raw))));
  } catch {
    throw new ApiError('BAD_REQUEST', 'cursor is invalid');
  }
}

/** A page of any list: its items and the cursor of the next page (null on the last). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** The first `limit` rows, and a cursor after the last of them if `rows` holds more. */
function cut<T>(rows: T[], limit: number, key: (row: T) => Cursor): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next_cursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}

/**
 * One page of a list read from the database, newest first by (at, id): `fetch` runs the query
 * for `limit + 1` rows after the request's cursor, the extra row only telling whether another
 * page exists. Every paginated list goes through here, so they all page the same way.
 */
export async function pageOf<T>(
  req: { limit: number; cursor?: string | undefined },
  fetch: (query: { limit: number; after: Cursor | undefined }) => Promise<T[]>,
  key: (row: T) => Cursor,
): Promise<Page<T>> {
  const rows = await fetch({ limit: req.limit + 1, after: decodeCursor(req.cursor) });
  return cut(rows, req.limit, key);
}

const isAfter = (key: Cursor, cursor: Cursor) =>
  key.at < cursor.at || (key.at === cursor.at && key.id < cursor.id);

/**
 * One page of a list held in memory (a user's sessions), newest first by (at, id): the same
 * order and cursor as the SQL-backed lists, so clients page every list the same way.
 */
export function pageInMemory<T>(
  items: T[],
  key: (item: T) => Cursor,
  limit: number,
  cursor?: string,
): Page<T> {
  const after = decodeCursor(cursor);
  const sorted = items
    .map((item) => ({ item, key: key(item) }))
    .filter((e) => !after || isAfter(e.key, after))
    .sort((a, b) => b.key.at - a.key.at || (a.key.id < b.key.id ? 1 : -1));
  const page = cut(sorted, limit, (e) => e.key);
  return { items: page.items.map((e) => e.item), next_cursor: page.next_cursor };
}
