import { z } from '@hono/zod-openapi';
import { ORG_ROLES } from '../domain/org-roles';
import { AuthorizeQuestionSchema, ValidateQuestionSchema } from '../domain/service-questions';

// API shapes that more than one route folder (or the RPC entrypoint) uses: each folder imports
// them from here, never from another folder, so route folders stay independent.

/**
 * Usernames are compared case-insensitively, so they are stored lower-cased. One rule for
 * registration, profiles and users created by services.
 */
export const UsernameField = z
  .string()
  .regex(/^[a-zA-Z0-9_.-]{3,32}$/, 'must be 3-32 letters, digits, dots, dashes or underscores')
  .transform((u) => u.toLowerCase());

export const RoleNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{1,31}$/, 'must be 2-32 lower-case letters, digits, - or _');

export const RolesSchema = z
  .object({ user_id: z.string(), roles: z.array(z.string()) })
  .openapi('UserRoles');

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

export const SessionSchema = z
  .object({
    id: z.string(),
    created_at: z.string().openapi({ format: 'date-time' }),
    last_used_at: z.string().openapi({ format: 'date-time' }),
    expires_at: z.string().openapi({ format: 'date-time' }),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    country: z
      .string()
      .nullable()
      .openapi({ description: 'ISO 3166 code from Cloudflare (request.cf)' }),
    current: z.boolean().openapi({ description: 'The session of the token making this call' }),
    impersonated_by: z.string().nullable().openapi({
      description: 'The admin acting as the user in this session (impersonation), else null',
    }),
  })
  .openapi('Session');

// The questions other services ask, over HTTP (/auth/validate, /auth/authorize) and over the
// service binding: the schemas are the domain's (one each, so both edges refuse the same
// arguments); the HTTP edge names them and adds examples for the document.

export const ValidateSchema = ValidateQuestionSchema.openapi('ValidateRequest');

const { user_id, resource, action } = AuthorizeQuestionSchema.shape;
export const AuthorizeSchema = AuthorizeQuestionSchema.extend({
  user_id: user_id.openapi({
    description: 'Required for services; defaults to the caller for users',
  }),
  resource: resource.openapi({ example: 'dashboards' }),
  action: action.openapi({ example: 'read' }),
}).openapi('AuthorizeRequest');

/**
 * A user's grant inside one organization (/auth/permissions, /auth/me, /auth/users/{id}/context,
 * RPC getPermissions): the org role and the permissions it gives there.
 */
export const OrganizationGrantSchema = z
  .object({
    organization_id: z.string(),
    name: z.string(),
    role: z.enum(ORG_ROLES),
    permissions: z.array(z.string()),
  })
  .openapi('OrganizationGrant');

/** `resource:action`, lower-case words or `*` (api.md "Roles and permissions"). */
export const PermissionSchema = z
  .string()
  .regex(
    /^(\*|[a-z][a-z0-9_]{0,63}):(\*|[a-z][a-z0-9_]{0,63})$/,
    'must be resource:action, e.g. dashboards:read',
  )
  .openapi({ example: 'dashboards:read' });

/** The body of every token response (api.md "Tokens and sessions"). */
export const TokenPairSchema = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('bearer'),
    expires_in: z.number().int().openapi({ example: 900 }),
  })
  .openapi('TokenPair');

/** A token answer with `?transport=cookie`: the refresh token went into the HttpOnly cookie. */
export const AccessTokenSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('bearer'),
    expires_in: z.number().int().openapi({ example: 900 }),
  })
  .openapi('AccessToken', {
    description: 'With ?transport=cookie: the refresh token is in the Set-Cookie header instead',
  });

/** The current password, sent again to confirm a destructive action (re-authentication). */
export const ReauthPasswordField = z
  .string()
  .min(1)
  .max(4096)
  .optional()
  .openapi({ format: 'password', description: 'The current password (re-authentication)' });
