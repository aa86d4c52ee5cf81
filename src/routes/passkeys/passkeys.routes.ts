import { createRoute } from '@hono/zod-openapi';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, noContent } from '../../http/openapi';
import { requireAuth } from '../../http/middleware/require-auth';
import {
  DeletePasskeySchema,
  PasskeyCreatedSchema,
  PasskeyIdParamSchema,
  PasskeyListSchema,
  RegisterOptionsRequestSchema,
  RegisterOptionsSchema,
  RegisterVerifySchema,
  RenamedPasskeySchema,
  RenamePasskeySchema,
} from './passkeys.schemas';

const tags = ['Passkeys'];
const signedIn = { tags, security: bearerAuth, middleware: [requireAuth] };

export const registerOptions = createRoute({
  ...signedIn,
  method: 'post',
  path: '/passkeys/register/options',
  operationId: 'passkeyRegisterOptions',
  summary: 'Start adding a passkey',
  description:
    'Returns PublicKeyCredentialCreationOptionsJSON: a discoverable credential (resident key required), user verification preferred, the account’s passkeys excluded; the challenge is single use and lives 5 minutes (a new request replaces it). Needs re-authentication as POST /mfa/setup does: `password`, or a session signed in within the last 5 minutes (401 INVALID_CREDENTIALS otherwise). 409 CONFLICT with 20 passkeys already; 503 when WEBAUTHN_RP_ID is not configured.',
  request: { body: { ...jsonBody(RegisterOptionsRequestSchema), required: false } },
  responses: {
    200: jsonResponse(RegisterOptionsSchema, 'Creation options'),
    ...errorResponses(400, 401, 404, 409, 413, 415, 422, 423, 503),
  },
});

export const registerVerify = createRoute({
  ...signedIn,
  method: 'post',
  path: '/passkeys/register/verify',
  operationId: 'passkeyRegisterVerify',
  summary: 'Finish adding a passkey',
  description:
    'The authenticator’s RegistrationResponseJSON for the open challenge (`none` attestation). 401 PASSKEY_REJECTED for a used or expired challenge, a wrong origin or RP ID, or a response that does not verify; 409 CONFLICT for a credential already registered or past 20 passkeys; 422 naming the malformed field.',
  request: { body: jsonBody(RegisterVerifySchema) },
  responses: {
    201: jsonResponse(PasskeyCreatedSchema, 'The passkey was added'),
    ...errorResponses(400, 401, 409, 413, 415, 422, 503),
  },
});

export const listPasskeys = createRoute({
  ...signedIn,
  method: 'get',
  path: '/passkeys',
  operationId: 'listPasskeys',
  summary: 'List passkeys',
  description: 'The caller’s passkeys, oldest first; never a key.',
  responses: {
    200: jsonResponse(PasskeyListSchema, 'Passkeys'),
    ...errorResponses(401, 503),
  },
});

export const renamePasskey = createRoute({
  ...signedIn,
  method: 'patch',
  path: '/passkeys/{passkey_id}',
  operationId: 'renamePasskey',
  summary: 'Rename a passkey',
  description:
    'A new display name (1-64 characters) for one of the caller’s passkeys; 404 for any other.',
  request: { params: PasskeyIdParamSchema, body: jsonBody(RenamePasskeySchema) },
  responses: {
    200: jsonResponse(RenamedPasskeySchema, 'Renamed'),
    ...errorResponses(400, 401, 404, 413, 415, 422, 503),
  },
});

export const removePasskey = createRoute({
  ...signedIn,
  method: 'delete',
  path: '/passkeys/{passkey_id}',
  operationId: 'deletePasskey',
  summary: 'Remove a passkey',
  description:
    'Needs re-authentication: `{"password": ...}`, or a session signed in within the last 5 minutes (401 INVALID_CREDENTIALS otherwise; wrong passwords count toward the lockout, 423). 409 LAST_SIGN_IN_METHOD when it is the only way into an account without a password or a linked identity.',
  request: {
    params: PasskeyIdParamSchema,
    body: { ...jsonBody(DeletePasskeySchema), required: false },
  },
  responses: {
    204: noContent('Removed'),
    ...errorResponses(400, 401, 404, 409, 413, 415, 422, 423, 503),
  },
});
