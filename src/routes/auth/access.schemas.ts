import { z } from '@hono/zod-openapi';
import { ActivityInputSchema } from '../../domain/analytics/messages';
import { OrganizationGrantSchema } from '../../http/schemas';

export const ValidationSchema = z
  .object({
    valid: z.boolean(),
    user_id: z.string().optional(),
    email: z.string().optional(),
    session_id: z.string().optional(),
    roles: z.array(z.string()).optional(),
    permissions: z.array(z.string()).optional(),
    amr: z
      .array(z.string())
      .optional()
      .openapi({ description: 'RFC 8176 methods, when the sign-in took a second factor' }),
    act: z.object({ sub: z.string() }).optional().openapi({
      description: 'RFC 8693: the admin acting as the user, when the session is an impersonation',
    }),
    expires_at: z.string().optional().openapi({ format: 'date-time' }),
    reason: z
      .enum(['invalid', 'expired', 'revoked'])
      .optional()
      .openapi({ description: 'Why the token is not valid' }),
  })
  .openapi('Validation');

export const DecisionSchema = z
  .object({
    allowed: z.boolean(),
    reason: z
      .enum(['unknown_user', 'suspended', 'not_member', 'missing_permission', 'bad_request'])
      .optional()
      .openapi({ description: 'Why not, as a code to branch on (only when allowed is false)' }),
    detail: z.string().optional().openapi({ description: 'The same in words' }),
  })
  .openapi('AuthorizationDecision');

export const PermissionsSchema = z
  .object({
    user_id: z.string(),
    roles: z.array(z.string()),
    permissions: z.array(z.string()),
    organizations: z.array(OrganizationGrantSchema),
  })
  .openapi('UserPermissions');

export const UserContextSchema = z
  .object({
    user: z.object({
      user_id: z.string(),
      email: z.string(),
      status: z.enum(['active', 'suspended']),
      email_verified: z.boolean(),
      created_at: z.string().openapi({ format: 'date-time' }),
      first_name: z.string().nullable(),
      last_name: z.string().nullable(),
      username: z.string().nullable(),
    }),
    organizations: z.array(OrganizationGrantSchema),
    roles: z.array(z.string()),
    permissions: z.array(z.string()),
  })
  .openapi('UserContext');

export const ActivityBody = ActivityInputSchema.openapi('UserActivity', {
  description:
    'What the user did in the calling service: `action` a lower-case identifier (1-64), `resource` what it was done to (≤ 128 characters), `metadata` at most 32 flat values (4 KB as JSON, no secret-looking names).',
  example: { action: 'exported', resource: 'report:q3', metadata: { format: 'csv' } },
});

export const ActivityAcceptedSchema = z
  .object({
    accepted: z.literal(1),
    event_id: z.uuid().openapi({ description: 'The id the activity entry will carry' }),
  })
  .openapi('ActivityAccepted');
