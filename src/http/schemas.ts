import { z } from '@hono/zod-openapi';
import { ORG_ROLES } from '../db/schema';

// API shapes that more than one route folder (or the RPC entrypoint) uses: each folder imports
// them from here, never from another folder, so route folders stay independent.

/**
 * Usernames are compared case-insensitively, so they are stored lower-cased. The same rule as
 * RegisterSchema's in the auth folder (which still declares its own copy until that folder
 * imports this one).
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
  })
  .openapi('Session');

// The questions other services ask, over HTTP (/auth/validate, /auth/authorize) and over the
// service binding (rpc.ts): one schema each, so both refuse the same arguments.

export const ValidateSchema = z
  .strictObject({ token: z.string().min(1).max(8192) })
  .openapi('ValidateRequest');

const Word = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lower-case identifier');

export const AuthorizeSchema = z
  .strictObject({
    user_id: z
      .uuid()
      .optional()
      .openapi({ description: 'Required for services; defaults to the caller for users' }),
    resource: Word.openapi({ example: 'dashboards' }),
    action: Word.openapi({ example: 'read' }),
    // Organization ids are UUIDs: anything else is a malformed question (422), not a
    // membership one (RPC answers bad_request alike).
    organization_id: z.uuid().optional(),
  })
  .openapi('AuthorizeRequest');

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
