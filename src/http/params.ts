import { z } from '@hono/zod-openapi';

/** Path parameter `{user_id}`: ids are UUIDs, so anything else is refused before any lookup. */
export const UserIdParamSchema = z.object({
  user_id: z.uuid().openapi({
    param: { name: 'user_id', in: 'path' },
    example: '5f0c9a8e-2b7d-4f7e-9a51-0f3c2d6b8e41',
  }),
});
