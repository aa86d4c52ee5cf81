import { z } from '@hono/zod-openapi';
import { AUDIT_ACTIONS } from '../../domain/events';
import { ORG_TIERS } from '../../domain/organizations';
import { ORG_ROLES } from '../../domain/org-roles';
import { EmailSchema } from '../../http/email';
import { pageOf } from '../../http/pagination';
import { jsonDepth } from '../../lib/json-shape';

const SETTINGS_MAX_BYTES = 16 * 1024;
const SETTINGS_MAX_DEPTH = 5;

const Id = z.uuid();
const Timestamp = z.string().openapi({ format: 'date-time' });

const OrgRoleSchema = z.enum(ORG_ROLES).openapi('OrgRole');

// Names show up in email subjects: control characters (CR/LF) are refused.
const NameField = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\x00-\x1f\x7f-\x9f]+$/, 'must not contain control characters')
  .openapi({ example: 'Acme Analytics' });

const SlugField = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/,
    'must be 1-48 lower-case letters, digits or dashes, not starting or ending with a dash',
  )
  .openapi({ example: 'acme-analytics' });

const TierField = z.enum(ORG_TIERS);

const SettingsField = z
  .record(z.string().min(1).max(64), z.unknown().openapi({ description: 'any JSON value' }))
  .refine(
    (s) => jsonDepth(s) <= SETTINGS_MAX_DEPTH,
    `must nest at most ${SETTINGS_MAX_DEPTH} levels`,
  )
  .refine(
    (s) => new TextEncoder().encode(JSON.stringify(s)).length <= SETTINGS_MAX_BYTES,
    `must be at most ${SETTINGS_MAX_BYTES} bytes`,
  )
  .openapi({ description: 'Free-form JSON object (at most 16 KB, 5 levels); replaced as a whole' });

export const CreateOrganizationSchema = z
  .strictObject({
    name: NameField,
    slug: SlugField.optional().openapi({ description: 'Derived from the name when absent' }),
    tier: TierField.default('free'),
  })
  .openapi('CreateOrganization');

export const UpdateOrganizationSchema = z
  .strictObject({
    name: NameField.optional(),
    slug: SlugField.optional(),
    tier: TierField.optional(),
    settings: SettingsField.optional(),
  })
  .openapi('UpdateOrganization');

export const OrganizationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    tier: TierField,
    settings: z.record(z.string(), z.unknown()),
    created_at: Timestamp,
    updated_at: Timestamp,
    role: OrgRoleSchema.nullable().openapi({
      description: "The caller's role (null: a global admin who is not a member)",
    }),
  })
  .openapi('Organization');

export const OrganizationPageSchema = pageOf(OrganizationSchema).openapi('OrganizationPage');

export const AddMemberSchema = z
  .strictObject({
    user_id: Id.optional(),
    email: EmailSchema.optional(),
    role: OrgRoleSchema,
  })
  .refine((b) => (b.user_id === undefined) !== (b.email === undefined), {
    message: 'give exactly one of user_id or email',
    path: ['user_id'],
  })
  .openapi('AddMember');

export const MembershipSchema = z
  .object({
    organization_id: z.string(),
    user_id: z.string(),
    email: z.string(),
    role: OrgRoleSchema,
  })
  .openapi('Membership');

export const InvitedSchema = z
  .object({ invitation_id: z.string(), expires_at: Timestamp })
  .openapi('InvitationSent');

const MemberSchema = z
  .object({
    user_id: z.string(),
    email: z.string(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    role: OrgRoleSchema,
    joined_at: Timestamp,
  })
  .openapi('Member');

export const MemberPageSchema = pageOf(MemberSchema).openapi('MemberPage');

export const ChangeRoleSchema = z.strictObject({ role: OrgRoleSchema }).openapi('ChangeOrgRole');

export const MemberRoleSchema = z
  .object({ organization_id: z.string(), user_id: z.string(), role: OrgRoleSchema })
  .openapi('MemberRole');

const InvitationSchema = z
  .object({
    id: z.string(),
    email: z.string().nullable().openapi({
      description: 'The address invited; null for an invitation by user_id (see user_id)',
    }),
    user_id: z.string().nullable().openapi({ description: 'The account invited by id, if any' }),
    role: OrgRoleSchema,
    status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
    invited_by: z.string().nullable(),
    created_at: Timestamp,
    expires_at: Timestamp,
  })
  .openapi('Invitation');

export const InvitationPageSchema = pageOf(InvitationSchema).openapi('InvitationPage');

export const AcceptedSchema = z
  .object({ organization_id: z.string(), name: z.string(), role: OrgRoleSchema })
  .openapi('InvitationAccepted');

const OrgActivitySchema = z
  .object({
    id: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    user_id: z.string().nullable(),
    actor_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: Timestamp,
  })
  .openapi('OrgActivity');

export const OrgDashboardSchema = z
  .object({
    organization: OrganizationSchema,
    members_by_role: z.object(
      Object.fromEntries(ORG_ROLES.map((r) => [r, z.number().int()])) as Record<
        (typeof ORG_ROLES)[number],
        z.ZodNumber
      >,
    ),
    member_count: z.number().int(),
    recent_activity: z.array(OrgActivitySchema).openapi({
      description: 'The 20 newest audit entries of the organization',
    }),
    usage: z
      .object({
        from: Timestamp,
        to: Timestamp,
        events: z.number().int(),
        logins: z.number().int(),
        api_calls: z.number().int(),
        cost_usd: z.number(),
      })
      .openapi({ description: 'The last 30 days (zeros until analytics aggregates exist)' }),
  })
  .openapi('OrgDashboard');

export const OrgIdParamSchema = z.object({
  org_id: Id.openapi({
    param: { name: 'org_id', in: 'path' },
    example: '0b6f3c4e-7a52-4d0e-9c1b-3f2a8e5d6c71',
  }),
});

export const OrgMemberParamSchema = OrgIdParamSchema.extend({
  user_id: Id.openapi({
    param: { name: 'user_id', in: 'path' },
    example: '5f0c9a8e-2b7d-4f7e-9a51-0f3c2d6b8e41',
  }),
});

export const OrgInvitationParamSchema = OrgIdParamSchema.extend({
  invitation_id: Id.openapi({
    param: { name: 'invitation_id', in: 'path' },
    example: '9d2e4b1a-6c3f-4e8d-a7b5-1f0c2d3e4a5b',
  }),
});

export const InvitationTokenParamSchema = z.object({
  token: z
    .string()
    .regex(/^[A-Za-z0-9_-]{20,128}$/, 'must be an invitation token')
    .openapi({ param: { name: 'token', in: 'path' }, example: 'b3JnLWludml0YXRpb24tdG9rZW4' }),
});
