import { z } from '@hono/zod-openapi';
import { base64url } from './crypto';
import { ApiError } from './errors';

/** api.md "Lists": `?limit=` (default 50, max 200) and an opaque `?cursor=`. */
export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ example: 50 }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: 'next_cursor of the previous page' }),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next_cursor: z.string().nullable() });

const CursorSchema = z.object({ at: z.number(), id: z.string() });
export type Cursor = z.infer<typeof CursorSchema>;

export const encodeCursor = (c: Cursor) => base64url.encode(JSON.stringify(c));

/** Decodes a cursor, or 400 BAD_REQUEST: a cursor is opaque, so a forged one is a client error. */
export function decodeCursor(raw: string | undefined): Cursor | undefined {
  if (raw === undefined) return undefined;
  try {
    return CursorSchema.parse(JSON.parse(new TextDecoder().decode(base64url.decode(raw))));
  } catch {
    throw new ApiError(400, 'BAD_REQUEST', 'cursor is invalid');
  }
}
