import { z } from '@hono/zod-openapi';

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
