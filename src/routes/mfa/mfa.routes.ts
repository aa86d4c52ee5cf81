import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../../http/openapi';
import { bearerAuth, jsonBody, jsonResponse, noContent, publicRoute } from '../../http/openapi';
import { limitByIp } from '../../http/middleware/rate-limit';
import { requireAuth } from '../../http/middleware/require-auth';
import { TransportQuerySchema } from '../../http/cookie-transport';
import { headerRefs } from '../../http/openapi-headers';
import { AccessTokenSchema, TokenPairSchema } from '../../http/schemas';
import {
  BackupCodesSchema,
  DeleteMfaMethodSchema,
  MfaChallengeSchema,
  MfaCodeSentSchema,
  MethodIdParamSchema,
  MfaEnrolledSchema,
  MfaMethodListSchema,
  MfaSetupResultSchema,
  MfaSetupSchema,
  MfaVerifySchema,
  RegenerateBackupCodesSchema,
} from './mfa.schemas';

const tags = ['MFA'];

export const setup = createRoute({
  method: 'post',
  path: '/mfa/setup',
  operationId: 'setupMfa',
  tags,
  summary: 'Start enrolling a second factor',
  description:
    'TOTP (RFC 6238: SHA-1, 6 digits, 30 s): returns the secret, the otpauth:// URI and its QR code as SVG, once; the secret is stored encrypted. Email (to the account address) or SMS (`phone`, E.164): sends a 6-digit code, valid 10 minutes, 5 tries; a new setup of the type sends a new one and replaces the pending method. The method counts only after a first good code at POST /mfa/verify. Needs re-authentication: `password`, or a session signed in within the last 5 minutes (401 INVALID_CREDENTIALS otherwise). Codes sent are capped per account and per destination (RATE_LIMIT_MFA_SEND: 429); 503 when the code cannot be sent or MFA_ENCRYPTION_KEY is not configured.',
  security: bearerAuth,
  middleware: [requireAuth],
  request: { body: jsonBody(MfaSetupSchema) },
  responses: {
    201: jsonResponse(
      z.union([MfaSetupResultSchema, MfaCodeSentSchema]).openapi('MfaSetupResult'),
      'Enrolment started (TOTP: the secret; email/SMS: the code was sent)',
    ),
    ...errorResponses(400, 401, 413, 415, 422, 423, 429, 503),
  },
});

export const challenge = createRoute({
  method: 'post',
  path: '/mfa/challenge',
  operationId: 'sendMfaChallenge',
  tags,
  summary: 'Send an email or SMS code for a pending login',
  description:
    'With the `mfa_token` from POST /auth/login and one of its email/SMS `methods`: sends a 6-digit code (10 minutes, 5 tries) bound to this login; a resend replaces the earlier code. Asking costs none of the mfa_token’s 5 tries. 401 INVALID_TOKEN for a dead mfa_token, 404 for a method that is not an active one of the account, 422 for a TOTP method (its codes come from the app), 429 past the per-account or per-destination cap (RATE_LIMIT_MFA_SEND) or the per-IP limit, 503 when the code cannot be sent: choose another method.',
  security: publicRoute,
  middleware: [limitByIp('login')],
  request: { body: jsonBody(MfaChallengeSchema) },
  responses: {
    202: jsonResponse(MfaCodeSentSchema, 'The code was sent'),
    ...errorResponses(400, 401, 404, 413, 415, 422, 429, 503),
  },
});

export const verify = createRoute({
  method: 'post',
  path: '/mfa/verify',
  operationId: 'verifyMfa',
  tags,
  summary: 'Confirm an enrolment, or pass the second step of login',
  description:
    'With a bearer token and `{method_id, code}`: confirms the enrolment (the first active method returns 10 backup codes, once). With `{mfa_token, code, method_id?}` from POST /auth/login: a TOTP code (±1 step, each step accepted once), the email/SMS code sent by POST /mfa/challenge for this login, or a backup code (single use) returns the token pair, whose access token carries `amr`: the first step method then the factor (`["pwd","otp"]` after a password, `["pwd","sms"]` for SMS; `["hwk","otp"]` after a passkey without user verification, `["email","otp"]` after an email sign-in); with ?transport=cookie the refresh token is set as the HttpOnly refresh cookie instead (X-CSRF-Protection: 1 required, else 403 CSRF_REJECTED). Wrong codes answer 401 INVALID_MFA_CODE and count toward the account lockout (423), on any mfa_token of the account; right ones, and sign-ins left unfinished, never do; after 5 wrong codes the mfa_token is dead (401 INVALID_TOKEN), as it is once used or 5 minutes old.',
  security: [...bearerAuth, {}],
  middleware: [limitByIp('login', { inDomain: true })],
  request: { query: TransportQuerySchema, body: jsonBody(MfaVerifySchema) },
  responses: {
    200: {
      ...jsonResponse(
        z.union([TokenPairSchema, AccessTokenSchema, MfaEnrolledSchema]).openapi('MfaVerifyResult'),
        'Signed in (login; with ?transport=cookie the refresh token is in Set-Cookie), or the method is active (enrolment)',
      ),
      headers: headerRefs('X-Request-ID', 'Set-Cookie'),
    },
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 423, 429, 503),
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
    'Needs re-authentication: the current password in the body (`{"password": ...}`), or a session signed in with a second factor within the last 5 minutes; otherwise, or with a wrong password, 401 INVALID_CREDENTIALS and nothing changes (of the contract’s 401/403 for a missing re-authentication this service answers 401, never 403). Wrong passwords count toward the account lockout (423). Removing the last active method deletes the backup codes too.',
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
    'Returns 10 new single-use codes, shown once; every earlier code stops working at once. Needs the re-authentication of removing a method: the current password in the body (`{"password": ...}`), or a session signed in with a second factor within the last 5 minutes; otherwise, or with a wrong password, 401 INVALID_CREDENTIALS and the old codes stay. Wrong passwords count toward the account lockout (423). 409 CONFLICT when no method is active.',
  security: bearerAuth,
  middleware: [requireAuth],
  request: { body: { ...jsonBody(RegenerateBackupCodesSchema), required: false } },
  responses: {
    200: jsonResponse(BackupCodesSchema, 'New codes'),
    ...errorResponses(400, 401, 409, 413, 415, 422, 423, 503),
  },
});
