import { createRoute } from '@hono/zod-openapi';
import { orgRoleTable } from '../../domain/org-roles';
import { requireAuth } from '../../http/middleware/require-auth';
import { requireUserOrService } from '../../http/middleware/require-service';
import {
  bearerAuth,
  errorResponses,
  jsonBody,
  jsonResponse,
  noContent,
  serviceAuth,
} from '../../http/openapi';
import { PageQuerySchema } from '../../http/pagination';
import {
  AcceptedSchema,
  AddMemberSchema,
  ChangeRoleSchema,
  CreateOrganizationSchema,
  InvitationPageSchema,
  InvitationTokenParamSchema,
  InvitedSchema,
  MemberPageSchema,
  MembershipSchema,
  MemberRoleSchema,
  OrgDashboardSchema,
  OrganizationPageSchema,
  OrganizationSchema,
  OrgIdParamSchema,
  OrgInvitationParamSchema,
  OrgMemberParamSchema,
  UpdateOrganizationSchema,
} from './organizations.schemas';

const common = { tags: ['Organizations'], security: bearerAuth, middleware: [requireAuth] };

/** Said once per org route: how access is decided inside an organization. */
const ACCESS =
  'Membership and role are read from the database on every request. A non-member gets 404 and learns nothing about the organization; a member whose role lacks the permission gets 403. A global admin acts with the rights of an owner.';

// Every non-GET route, even one without a body, passes the app's body guard (400, 413, 415).
const withBody = [400, 401, 403, 404, 413, 415, 422, 503] as const;

export const createOrganization = createRoute({
  ...common,
  method: 'post',
  path: '/organizations',
  operationId: 'createOrganization',
  summary: 'Create an organization',
  description: `The caller becomes its owner; it needs a verified email (403 EMAIL_NOT_VERIFIED). Without a slug one is derived from the name (with a random suffix when taken); a slug given and taken answers 409 SLUG_TAKEN.\n\nOrg roles and what they may do:\n\n${orgRoleTable()}\n\nOnly owners grant owner or change or remove an owner; the last owner can never be removed or demoted (409 LAST_OWNER).`,
  request: { body: jsonBody(CreateOrganizationSchema) },
  responses: {
    201: jsonResponse(OrganizationSchema, 'Created; role is owner'),
    ...errorResponses(400, 401, 403, 409, 413, 415, 422, 503),
  },
});

export const listOrganizations = createRoute({
  ...common,
  method: 'get',
  path: '/organizations',
  operationId: 'listOrganizations',
  summary: "The caller's organizations",
  description:
    'Only organizations the caller is a member of, each with their role; newest membership first, paginated with limit and cursor.',
  request: { query: PageQuerySchema },
  responses: {
    200: jsonResponse(OrganizationPageSchema, 'A page of organizations'),
    ...errorResponses(400, 401, 422, 503),
  },
});

export const getOrganization = createRoute({
  ...common,
  method: 'get',
  path: '/organizations/{org_id}',
  operationId: 'getOrganization',
  summary: 'An organization (member)',
  description: `Profile and settings, with the caller's role. ${ACCESS}`,
  request: { params: OrgIdParamSchema },
  responses: {
    200: jsonResponse(OrganizationSchema, 'The organization'),
    ...errorResponses(401, 403, 404, 422, 503),
  },
});

export const updateOrganization = createRoute({
  ...common,
  method: 'patch',
  path: '/organizations/{org_id}',
  operationId: 'updateOrganization',
  summary: 'Change name, slug, tier or settings (admin+)',
  description: `Needs organization:update (owner, admin). Only the fields sent change; settings are replaced as a whole. A taken slug answers 409 SLUG_TAKEN. ${ACCESS}`,
  request: { params: OrgIdParamSchema, body: jsonBody(UpdateOrganizationSchema) },
  responses: {
    200: jsonResponse(OrganizationSchema, 'The organization after the change'),
    ...errorResponses(...withBody, 409),
  },
});

export const deleteOrganization = createRoute({
  ...common,
  method: 'delete',
  path: '/organizations/{org_id}',
  operationId: 'deleteOrganization',
  summary: 'Delete an organization (owner)',
  description: `Needs organization:delete (owner). Memberships and invitations go with it, so every member loses access on their next request; the deletion is audited. ${ACCESS}`,
  request: { params: OrgIdParamSchema },
  responses: { 204: noContent('Deleted'), ...errorResponses(...withBody) },
});

export const dashboard = createRoute({
  ...common,
  method: 'get',
  path: '/organizations/{org_id}/dashboard',
  operationId: 'getOrganizationDashboard',
  summary: 'Members by role, recent activity and usage (member)',
  description: `Counts of members per role, the 20 newest audit entries of the organization, and usage over the last 30 days. ${ACCESS}`,
  request: { params: OrgIdParamSchema },
  responses: {
    200: jsonResponse(OrgDashboardSchema, 'Dashboard'),
    ...errorResponses(401, 403, 404, 422, 503),
  },
});

export const addMember = createRoute({
  ...common,
  security: [...bearerAuth, ...serviceAuth],
  middleware: [requireUserOrService],
  method: 'post',
  path: '/organizations/{org_id}/users',
  operationId: 'addOrganizationMember',
  summary: 'Invite a member by user_id or email (admin+), or add one (service, global admin)',
  description: `With a bearer token: needs members:manage (owner, admin) and a verified email (403 EMAIL_NOT_VERIFIED); only an owner may invite an owner. Nobody joins without proving the address, so the answer is always 202 with an invitation: a single-use link valid for 7 days goes to the account's address (user_id) or the address given (email); the body never carries the target's email, and an unknown user_id or address looks the same. The invitee joins by accepting it (POST /organizations/invitations/{token}/accept) from a verified account with that address. Each user sends at most RATE_LIMIT_INVITATIONS invitations (default 20 an hour; 429 RATE_LIMITED). A newer invitation to the same address replaces the older one.\n\nA service (X-API-Key) or a global admin adds an existing account directly: 201 with the membership; an unknown user 404. A user who is already a member answers 409 ALREADY_MEMBER. ${ACCESS}`,
  request: { params: OrgIdParamSchema, body: jsonBody(AddMemberSchema) },
  responses: {
    201: jsonResponse(MembershipSchema, 'Added directly (service or global admin)'),
    202: jsonResponse(InvitedSchema, 'Invited: the membership starts when the invitee accepts'),
    ...errorResponses(...withBody, 409, 429),
  },
});

export const listMembers = createRoute({
  ...common,
  method: 'get',
  path: '/organizations/{org_id}/users',
  operationId: 'listOrganizationMembers',
  summary: 'Members with their roles (member)',
  description: `Newest member first, paginated with limit and cursor. ${ACCESS}`,
  request: { params: OrgIdParamSchema, query: PageQuerySchema },
  responses: {
    200: jsonResponse(MemberPageSchema, 'A page of members'),
    ...errorResponses(400, 401, 403, 404, 422, 503),
  },
});

export const changeRole = createRoute({
  ...common,
  method: 'patch',
  path: '/organizations/{org_id}/users/{user_id}',
  operationId: 'changeOrganizationRole',
  summary: "Change a member's role (admin+)",
  description: `Needs members:manage; only an owner grants owner or changes an owner. The last owner cannot be demoted (409 LAST_OWNER), decided in the same statement as the change, so two owners demoting each other at once leave one owner. ${ACCESS}`,
  request: { params: OrgMemberParamSchema, body: jsonBody(ChangeRoleSchema) },
  responses: {
    200: jsonResponse(MemberRoleSchema, 'The membership after the change'),
    ...errorResponses(...withBody, 409),
  },
});

export const removeMember = createRoute({
  ...common,
  method: 'delete',
  path: '/organizations/{org_id}/users/{user_id}',
  operationId: 'removeOrganizationMember',
  summary: 'Remove a member (admin+, or oneself)',
  description: `Needs members:manage, except that any member may remove themself; only an owner removes an owner, and the last owner cannot be removed (409 LAST_OWNER). The removed member loses access on their next request. ${ACCESS}`,
  request: { params: OrgMemberParamSchema },
  responses: { 204: noContent('Removed'), ...errorResponses(...withBody, 409) },
});

export const listInvitations = createRoute({
  ...common,
  method: 'get',
  path: '/organizations/{org_id}/invitations',
  operationId: 'listOrganizationInvitations',
  summary: 'Invitations of the organization (admin+)',
  description: `Every invitation with its status (pending, accepted, revoked, expired), newest first, paginated. Needs members:manage. ${ACCESS}`,
  request: { params: OrgIdParamSchema, query: PageQuerySchema },
  responses: {
    200: jsonResponse(InvitationPageSchema, 'A page of invitations'),
    ...errorResponses(400, 401, 403, 404, 422, 503),
  },
});

export const revokeInvitation = createRoute({
  ...common,
  method: 'delete',
  path: '/organizations/{org_id}/invitations/{invitation_id}',
  operationId: 'revokeOrganizationInvitation',
  summary: 'Revoke a pending invitation (admin+)',
  description: `Its link stops working at once. Needs members:manage; an invitation that is not pending answers 404. ${ACCESS}`,
  request: { params: OrgInvitationParamSchema },
  responses: { 204: noContent('Revoked'), ...errorResponses(...withBody) },
});

export const acceptInvitation = createRoute({
  ...common,
  method: 'post',
  path: '/organizations/invitations/{token}/accept',
  operationId: 'acceptOrganizationInvitation',
  summary: 'Accept an invitation',
  description:
    'The token from the invitation email, presented by a signed-in user (bearer only: a service key never accepts) whose email is the invited address (403 FORBIDDEN otherwise) and is verified (403 EMAIL_NOT_VERIFIED), becomes a membership with the invited role. The invitation holds only while its sender may still manage members (an owner, or an admin for a role below owner): otherwise 403 FORBIDDEN. Single use: a used, revoked or expired token answers 404; a user who is already a member 409 ALREADY_MEMBER. The token, being in the path, is redacted from the request log.',
  request: { params: InvitationTokenParamSchema },
  responses: {
    200: jsonResponse(AcceptedSchema, 'The new membership'),
    ...errorResponses(...withBody, 409),
  },
});
