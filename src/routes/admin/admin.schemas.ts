import { z } from '@hono/zod-openapi';
import { PermissionSchema, TokenPairSchema } from '../../http/schemas';
import { RoleNameSchema } from '../../http/schemas';

export const RoleSchema = z
  .object({ name: z.string(), description: z.string(), permissions: z.array(z.string()) })
  .openapi('Role');

export const RoleListSchema = z.object({ items: z.array(RoleSchema) }).openapi('RoleList');

export const CreateRoleSchema = z
  .strictObject({
    name: RoleNameSchema,
    description: z.string().max(500).default(''),
    permissions: z.array(PermissionSchema).max(100).default([]),
  })
  .openapi('CreateRole');

export const GrantSchema = z.strictObject({ permission: PermissionSchema }).openapi('Grant');

export const AssignRoleSchema = z.strictObject({ role: RoleNameSchema }).openapi('AssignRole');

export const StatusSchema = z
  .strictObject({ status: z.enum(['active', 'suspended']) })
  .openapi('UserStatusUpdate');

export const UserStatusSchema = z
  .object({
    user_id: z.string(),
    status: z.enum(['active', 'suspended']),
    sessions_ended: z.number().int(),
  })
  .openapi('UserStatus');

export const RoleParamSchema = z.object({
  role: RoleNameSchema.openapi({ param: { name: 'role', in: 'path' }, example: 'editor' }),
});

export const RolePermissionParamSchema = RoleParamSchema.extend({
  permission: PermissionSchema.openapi({
    param: { name: 'permission', in: 'path' },
    example: 'dashboards:read',
  }),
});

export const ImpersonationSchema = TokenPairSchema.extend({
  session_id: z.string(),
  user_id: z.string(),
  actor_id: z.string().openapi({ description: 'The admin, as the tokens’ `act.sub` (RFC 8693)' }),
  expires_at: z.string().openapi({ format: 'date-time', description: 'At most an hour away' }),
}).openapi('Impersonation');
