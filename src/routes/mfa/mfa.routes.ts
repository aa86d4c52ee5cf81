import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../../http/openapi';
import { bearerAuth, jsonBody, jsonResponse, noContent } from '../../http/openapi';
import { limitByIp } from '../../http/middleware/rate-limit';
import { requireAuth } from '../../http/middleware/require-auth';
import { TokenPairSchema } from '../../http/schemas';
import {
  BackupCodesSchema,
  DeleteMfaMethodSchema,
  MethodIdParamSchema,
  MfaEnrolledSchema,
  MfaMethodListSchema,
  MfaSetupResultSchema,
  MfaSetupSchema,
  MfaVerifySchema,
} from './mfa.schemas';

const tags = ['MFA'];

export const setup = createRoute({
  method: 'post',
  path: '/mfa/setup',
  operationId: 'setupMfa',
  tags,
  summary: 'Start enrolling a second factor',
  description:
    'TOTP (RFC 6238: SHA-1, 6 digits, 30 s): returns the secret, the otpauth:// URI and its QR code as SVG, once. The method counts only after a first good code at POST /mfa/verify. The secret is stored encrypted; 503 when MFA_ENCRYPTION_KEY is not configured.',
  security: bearerAuth,
  middleware: [requireAuth],
  request: { body: jsonBody(MfaSetupSchema) },
  responses: {
    201: jsonResponse(MfaSetupResultSchema, 'Enrolment started'),
    ...errorResponses(400, 401, 413, 415, 422, 503),
  },
});

export const verify = createRoute({
  method: 'post',
  path: '/mfa/verify',
  operationId: 'verifyMfa',
  tags,
  summary: 'Confirm an enrolment, or pass the second step of login',
  description:
    'With a bearer token and `{method_id, code}`: confirms the enrolment (the first active method returns 10 backup codes, once). With `{mfa_token, code, method_id?}` from POST /auth/login: a TOTP code (±1 step, each step accepted once) or a backup code (single use) returns the token pair, whose access token carries `amr`. Wrong codes answer 401 INVALID_MFA_CODE and count toward the account lockout (423); after 5 the mfa_token is dead (401 INVALID_TOKEN), as it is once used or 5 minutes old.',
  security: [...bearerAuth, {}],
  middleware: [limitByIp('login')],
  request: { body: jsonBody(MfaVerifySchema) },
  responses: {
    200: jsonResponse(
      z.union([TokenPairSchema, MfaEnrolledSchema]).openapi('MfaVerifyResult'),
      'Signed in (login), or the method is active (enrolment)',
    ),
    ...errorResponses(400, 401, 404, 409, 413, 415, 422, 423, 429, 503),
  },
});

export const listMethods = createRoute({
  method: 'get',
  path: '/mfa/methods',
  operationId: 'listMfaMethods',
  tags,
  summary: 'List second factors',
  description: 'The caller’s methods, active or pending, with their times; never a secret.',
  security: bearerAuth,
  middleware: [requireAuth],
  responses: {
    200: jsonResponse(MfaMethodListSchema, 'Methods'),
    ...errorResponses(401, 503),
  },
});

export const removeMethod = createRoute({
  method: 'delete',
  path: '/mfa/methods/{method_id}',
  operationId: 'deleteMfaMethod',
  tags,
  summary: 'Remove a second factor',
  description:
    'Needs the current password in the body (`{"password": ...}`); without it, or with a wrong one, 401 INVALID_CREDENTIALS and nothing changes. Wrong passwords count toward the account lockout (423). Removing the last active method deletes the backup codes too.',
  security: bearerAuth,
  middleware: [requireAuth],
  request: {
    params: MethodIdParamSchema,
    body: { ...jsonBody(DeleteMfaMethodSchema), required: false },
  },
  responses: {
    204: noContent('Removed'),
    ...errorResponses(400, 401, 404, 413, 415, 422, 423, 503),
  },
});

export const regenerateBackupCodes = createRoute({
  method: 'post',
  path: '/mfa/backup-codes/regenerate',
  operationId: 'regenerateBackupCodes',
  tags,
  summary: 'Replace the backup codes',
  description:
    'Returns 10 new single-use codes, shown once; every earlier code stops working at once. 409 CONFLICT when no method is active.',
  security: bearerAuth,
  middleware: [requireAuth],
  responses: {
    200: jsonResponse(BackupCodesSchema, 'New codes'),
    ...errorResponses(400, 401, 409, 413, 415, 503),
  },
});
