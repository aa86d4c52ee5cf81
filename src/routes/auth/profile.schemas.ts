import { z } from '@hono/zod-openapi';
import { OrganizationGrantSchema, ProfileSchema } from '../../http/schemas';

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
    organizations: z.array(OrganizationGrantSchema),
    session_count: z.number().int(),
    mfa: z
      .object({
        enabled: z.boolean(),
        methods: z.array(
          z.object({ method_id: z.string(), type: z.enum(['totp', 'email', 'sms']) }),
        ),
      })
      .openapi({ description: 'Active second factors; a login asks for one of them' }),
    sign_in_methods: z
      .object({
        password: z.boolean(),
        passkeys: z.number().int().openapi({ description: 'How many passkeys the account has' }),
        identities: z.array(z.object({ provider: z.string() })),
      })
      .openapi({ description: 'The ways into this account; the last one cannot be removed' }),
  })
  .openapi('Me');
