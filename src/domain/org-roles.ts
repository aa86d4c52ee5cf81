import { ORG_ROLES, type OrgRole } from '../db/schema';

export { ORG_ROLES, type OrgRole };

/**
 * What each org role may do inside its organization (api.md "Organizations"). Data, not code:
 * authorization, /auth/permissions and the OpenAPI description all read this table.
 */
const ORG_ROLE_PERMISSIONS: Record<OrgRole, readonly string[]> = {
  owner: [
    'organization:*',
    'members:*',
    'billing:*',
    'analytics:read',
    'dashboards:*',
    'etl_jobs:*',
  ],
  admin: [
    'organization:read',
    'organization:update',
    'members:read',
    'members:manage',
    'analytics:read',
    'dashboards:*',
    'etl_jobs:*',
  ],
  member: [
    'organization:read',
    'members:read',
    'dashboards:read',
    'dashboards:execute',
    'etl_jobs:read',
    'etl_jobs:execute',
  ],
  viewer: ['organization:read', 'members:read', 'dashboards:read'],
};

/** The permissions of a role inside its organization. */
export const orgPermissions = (role: OrgRole): string[] => [...ORG_ROLE_PERMISSIONS[role]];

/** The mapping as a Markdown table, for the OpenAPI description. */
export const orgRoleTable = () =>
  [
    '| org role | permissions inside the organization |',
    '| --- | --- |',
    ...ORG_ROLES.map(
      (r) => `| ${r} | ${ORG_ROLE_PERMISSIONS[r].map((p) => `\`${p}\``).join(', ')} |`,
    ),
  ].join('\n');
