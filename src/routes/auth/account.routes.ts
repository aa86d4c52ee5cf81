import { createRoute, z } from '@hono/zod-openapi';
import { MessageSchema, RegisteredSchema, RegisterSchema } from './sign-in.schemas';
import { errorResponses } from '../../http/openapi';
import { limitByIp } from '../../http/middleware/rate-limit';
import { bearerAuth, jsonBody, jsonResponse, noContent, publicRoute } from '../../http/openapi';
import { UserIdParamSchema } from '../../http/params';
import { requireAuth } from '../../http/middleware/require-auth';
import { ReauthPasswordField } from '../../http/schemas';

const tags = ['Account'];

const ChangePasswordSchema = z
  .strictObject({
    current_password: z.string().min(1).max(4096),
    new_password: z.string().min(1).max(4096),
  })
  .openapi('ChangePassword');

const DeleteAccountSchema = z
  .strictObject({
    password: ReauthPasswordField,
  })
  .openapi('DeleteAccount');

export const deleteUser = createRoute({
  tags,
  method: 'delete',
  path: '/auth/users/{user_id}',
  operationId: 'deleteUser',
  summary: 'Delete an account (self or admin)',
  description:
    'Ends every session at once and deletes the user; the email can register again. Deleting your own account needs re-authentication: the current password in the body ({"password": ...}), or a session that started with a sign-in within the last 5 minutes (a refresh does not count). Otherwise 401 INVALID_CREDENTIALS, and nothing is deleted; wrong passwords count toward the account lockout (423). An admin deleting another user sends no password. The last owner of an organization that has other members gets 409 LAST_OWNER and nothing is deleted (make another member an owner, or delete the organization, first); organizations whose only member the user is are deleted with the account.',
  security: bearerAuth,
  middleware: [requireAuth],
  request: {
    params: UserIdParamSchema,
    body: { ...jsonBody(DeleteAccountSchema), required: false },
  },
  responses: {
    204: noContent('Deleted'),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 423, 503),
  },
});

export const changePassword = createRoute({
  tags,
  method: 'post',
  path: '/auth/change-password',
  operationId: 'changePassword',
  summary: 'Change the password',
  description:
    'Needs the current password (wrong guesses count toward the account lockout); the new one must pass the policy. Every other session ends; this one stays. A password found by the breached-password check (BREACHED_PASSWORDS, a k-anonymity range API) answers 422 BREACHED_PASSWORD; while that check cannot answer, a fail-closed deployment answers 503 DEPENDENCY_UNAVAILABLE with Retry-After.',
  security: bearerAuth,
  middleware: [requireAuth],
  request: { body: jsonBody(ChangePasswordSchema) },
  responses: {
    200: jsonResponse(MessageSchema, 'Changed'),
    ...errorResponses(400, 401, 413, 415, 422, 423, 503),
  },
});

export const register = createRoute({
  method: 'post',
  path: '/auth/register',
  operationId: 'register',
  security: publicRoute,
  tags: ['Authentication'],
  summary: 'Create an account',
  description:
    'Passwords must pass the policy (length, composition unless disabled, not a common breached password, not the email). A taken email answers 409 USER_EXISTS. With SIGN_UP_OPEN=false (accounts only from admins and services) every call answers 403 SIGN_UP_CLOSED. A password found by the breached-password check (BREACHED_PASSWORDS, a k-anonymity range API) answers 422 BREACHED_PASSWORD; while that check cannot answer, a fail-closed deployment answers 503 DEPENDENCY_UNAVAILABLE with Retry-After. With TURNSTILE_SECRET set, a Cloudflare Turnstile token is required (`cf-turnstile-response` in the body or the CF-Turnstile-Response header): missing or refused, 403 CAPTCHA_FAILED; while Turnstile cannot answer, 503 DEPENDENCY_UNAVAILABLE with Retry-After.',
  middleware: [limitByIp('register', { inDomain: true })],
  request: { body: jsonBody(RegisterSchema) },
  responses: {
    201: jsonResponse(RegisteredSchema, 'Account created'),
    ...errorResponses(400, 403, 409, 413, 415, 422, 429, 503),
  },
});
