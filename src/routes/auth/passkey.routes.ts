import { createRoute, z } from '@hono/zod-openapi';
import { TransportQuerySchema } from '../../http/cookie-transport';
import { limitByIp } from '../../http/middleware/rate-limit';
import { errorResponses, jsonBody, jsonResponse, publicRoute } from '../../http/openapi';
import { headerRefs } from '../../http/openapi-headers';
import { AccessTokenSchema } from '../../http/schemas';
import {
  PasskeyOptionsRequestSchema,
  PasskeyOptionsSchema,
  PasskeyVerifySchema,
} from './passkey.schemas';
import { MfaChallengeSchema, TokenPairSchema } from './sign-in.schemas';

const tags = ['Authentication'];

export const passkeyOptions = createRoute({
  method: 'post',
  path: '/auth/passkey/options',
  operationId: 'passkeySignInOptions',
  security: publicRoute,
  tags,
  summary: 'Start a passkey sign-in',
  description:
    'Returns a `challenge_id` and PublicKeyCredentialRequestOptionsJSON (user verification preferred); the challenge is single use and lives 5 minutes. With the `email` of an account that has passkeys they are listed in allowCredentials; otherwise the list is empty, so a discoverable passkey chooses the account (conditional UI, `autocomplete="username webauthn"`). Per-IP limit as for POST /auth/login.',
  middleware: [limitByIp('login', { inDomain: true })],
  request: { body: { ...jsonBody(PasskeyOptionsRequestSchema), required: false } },
  responses: {
    200: jsonResponse(PasskeyOptionsSchema, 'Request options'),
    ...errorResponses(400, 413, 415, 422, 429, 503),
  },
});

export const passkeyVerify = createRoute({
  method: 'post',
  path: '/auth/passkey/verify',
  operationId: 'passkeySignIn',
  security: publicRoute,
  tags,
  summary: 'Sign in with a passkey',
  description:
    'The AuthenticationResponseJSON for the options’ challenge → the token pair (or with ?transport=cookie the access token and the refresh cookie), `amr` `["hwk","user"]` when the authenticator verified the user: a complete multi-factor sign-in. Without user verification the amr is `["hwk"]`, and an account with a second factor answers `{mfa_required, mfa_token, methods, expires_in}` as POST /auth/login does. 401 PASSKEY_REJECTED for an unknown credential, a used or expired challenge, a wrong origin or RP ID, a bad signature or a signature counter that went backwards; the failures of a known credential count toward the account lockout (423). 422 naming a malformed field.',
  middleware: [limitByIp('login', { inDomain: true })],
  request: { query: TransportQuerySchema, body: jsonBody(PasskeyVerifySchema) },
  responses: {
    200: {
      ...jsonResponse(
        z
          .union([TokenPairSchema, AccessTokenSchema, MfaChallengeSchema])
          .openapi('PasskeySignInResult'),
        'Signed in, or a second factor is due (`mfa_required`)',
      ),
      headers: headerRefs('X-Request-ID', 'Set-Cookie'),
    },
    ...errorResponses(400, 401, 403, 413, 415, 422, 423, 429, 503),
  },
});
