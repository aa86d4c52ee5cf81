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
): { items: T[]; next_cursor: string | null } {
  const after = decodeCursor(cursor);
  const sorted = items
    .map((item) => ({ item, key: key(item) }))
    .filter((e) => !after || isAfter(e.key, after))
    .sort((a, b) => b.key.at - a.key.at || (a.key.id < b.key.id ? 1 : -1));
  const page = sorted.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((e) => e.item),
    next_cursor: sorted.length > limit && last ? encodeCursor(last.key) : null,
  };
}
