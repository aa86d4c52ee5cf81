import { z } from '@hono/zod-openapi';
import { AUDIT_ACTIONS } from '../../domain/events';
import { ORG_ROLES } from '../../domain/org-roles';
import { EmailSchema } from '../../http/email';
import { jsonDepth } from '../../lib/json-shape';
import { PREFERENCES_MAX_BYTES } from '../../domain/users';
import {
  ProfileSchema,
  ProfileUpdateSchema,
  RoleNameSchema,
  SessionSchema,
  UsernameField,
} from '../../http/schemas';

/** Preferences are a JSON object; a PATCH is an RFC 7396 merge patch (null deletes a key). */
const MAX_DEPTH = 5;

export const PreferencesPatchSchema = z
  .record(
    z.string().min(1).max(64),
    // Any JSON value (the body was parsed from JSON). Not z.json(): its recursive schema cannot
    // be rendered into the OpenAPI document.
    z.unknown().openapi({ description: 'any JSON value' }),
  )
  .refine((p) => jsonDepth(p) <= MAX_DEPTH, `must nest at most ${MAX_DEPTH} levels`)
  .refine(
    (p) => new TextEncoder().encode(JSON.stringify(p)).length <= PREFERENCES_MAX_BYTES,
    `must be at most ${PREFERENCES_MAX_BYTES} bytes`,
  )
  .openapi('PreferencesPatch', { example: { theme: 'dark', notifications: { email: false } } });

export const PreferencesSchema = z
  .object({ preferences: z.record(z.string(), z.unknown()) })
  .openapi('Preferences');

export const ActivitySchema = z
  .object({
    id: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    actor_id: z
      .string()
      .nullable()
      .openapi({ description: 'Who acted, when not the user (an admin)' }),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    request_id: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Activity');

export const CreateUserSchema = ProfileUpdateSchema.omit({ username: true })
  .extend({
    email: EmailSchema,
    password: z.string().min(1).max(4096),
    username: UsernameField.optional(),
    roles: z.array(RoleNameSchema).min(1).max(20).default(['user']),
    preferences: PreferencesPatchSchema.optional(),
    email_verified: z.boolean().default(false),
    organization: z
      .strictObject({ organization_id: z.uuid(), role: z.enum(ORG_ROLES) })
      .optional()
      .openapi({ description: 'Makes the new user a member of this organization' }),
  })
  .strict()
  .openapi('CreateUser');

const UserSummarySchema = z.object({
  user_id: z.string(),
  email: z.string(),
  status: z.enum(['active', 'suspended']),
  email_verified: z.boolean(),
  created_at: z.string().openapi({ format: 'date-time' }),
});

export const CreatedUserSchema = UserSummarySchema.extend({
  profile: ProfileSchema,
  preferences: z.record(z.string(), z.unknown()),
  roles: z.array(z.string()),
  organizations: z.array(z.object({ organization_id: z.string(), role: z.enum(ORG_ROLES) })),
}).openapi('CreatedUser');

export const DashboardSchema = z
  .object({
    user: UserSummarySchema,
    profile: ProfileSchema,
    preferences: z.record(z.string(), z.unknown()),
    roles: z.array(z.string()),
    sessions: z.array(SessionSchema),
    recent_activity: z.array(ActivitySchema),
    organizations: z.array(
      z.object({ organization_id: z.string(), name: z.string(), role: z.enum(ORG_ROLES) }),
    ),
    security: z.object({
      email_verified: z.boolean(),
      mfa_enabled: z.boolean(),
      active_sessions: z.number().int(),
      last_login_at: z.string().nullable().openapi({ format: 'date-time' }),
      failed_logins_24h: z.number().int(),
    }),
  })
  .openapi('Dashboard');
