import { z } from '@hono/zod-openapi';
import { UsernameField } from '../auth/auth.schemas';

const Text = (max: number) => z.string().trim().max(max).nullable();

/** PUT body: only the fields sent change; `null` clears one. */
export const ProfileUpdateSchema = z
  .strictObject({
    first_name: Text(100).optional(),
    last_name: Text(100).optional(),
    username: UsernameField.nullable().optional(),
    bio: Text(1000).optional(),
    avatar_url: z
      .url({ protocol: /^https$/ })
      .max(2048)
      .nullable()
      .optional()
      .openapi({ description: 'An https URL' }),
  })
  .openapi('ProfileUpdate');

export const ProfileSchema = z
  .object({
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    username: z.string().nullable(),
    bio: z.string().nullable(),
    avatar_url: z.string().nullable(),
    updated_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Profile');

export const MeSchema = z
  .object({
    user_id: z.string(),
    email: z.string(),
    email_verified: z.boolean(),
    status: z.enum(['active', 'suspended']),
    created_at: z.string().openapi({ format: 'date-time' }),
    profile: ProfileSchema,
    preferences: z.record(z.string(), z.unknown()),
    roles: z.array(z.string()),
    permissions: z.array(z.string()),
    session_count: z.number().int(),
  })
  .openapi('Me');
