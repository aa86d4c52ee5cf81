import { createRoute, z } from '@hono/zod-openapi';
import { TransportQuerySchema } from '../../http/cookie-transport';
import { requireAuth } from '../../http/middleware/require-auth';
import { limitByIp } from '../../http/middleware/rate-limit';
import {
  bearerAuth,
  errorResponses,
  jsonBody,
  jsonResponse,
  noContent,
  publicRoute,
} from '../../http/openapi';
import { headerRefs } from '../../http/openapi-headers';
import { AccessTokenSchema } from '../../http/schemas';
import {
  AuthorizeQuerySchema,
  CallbackQuerySchema,
  ExchangeSchema,
  IdentityIdParamSchema,
  IdentityListSchema,
  LinkRequestSchema,
  LinkResultSchema,
  ProviderListSchema,
  ProviderParamSchema,
  UnlinkSchema,
} from './oauth.schemas';
import { MfaChallengeSchema, TokenPairSchema } from './sign-in.schemas';

const tags = ['Social sign-in'];
const redirect = (description: string) => ({
  description,
  headers: headerRefs('X-Request-ID', 'Location'),
});

export const oauthProviders = createRoute({
  method: 'get',
  path: '/auth/oauth/providers',
  operationId: 'listOAuthProviders',
  security: publicRoute,
  tags,
  summary: 'The configured sign-in providers',
  description: 'One entry per provider of OAUTH_PROVIDERS, for a button each.',
  responses: { 200: jsonResponse(ProviderListSchema, 'Providers') },
});

export const oauthAuthorize = createRoute({
  method: 'get',
  path: '/auth/oauth/{provider}/authorize',
  operationId: 'oauthAuthorize',
  security: publicRoute,
  tags,
  summary: 'Start a sign-in with a provider',
  description:
    'Redirects (302) to the provider with a state, a nonce and a PKCE challenge, kept single use for 10 minutes. `return_to` (allowlisted: APP_URL’s origin and CORS_ORIGINS, else APP_URL) is where the callback sends the browser. With `code_challenge` (S256) the login_code is bound to that frontend: the exchange needs its verifier. 404 for an unknown provider; 503 when the provider’s discovery fails.',
  middleware: [limitByIp('login')],
  request: { params: ProviderParamSchema, query: AuthorizeQuerySchema },
  responses: {
    302: redirect('To the provider'),
    ...errorResponses(404, 422, 429, 503),
  },
});

const callbackDescription =
  'The provider’s answer. Redirects (302) to the ceremony’s return_to with `?login_code=` (single use, 60 s; exchange it at POST /auth/oauth/exchange), with `?linked=<provider>` after a link, or with `?error=`: `invalid_state` (missing, unknown, used or expired state; to APP_URL), the provider’s own error (`access_denied`), `invalid_id_token` (an ID token failing signature, iss, aud, exp or nonce), `provider_error`, `account_exists` (the address has an account and the provider does not vouch for it: link from a signed-in session), `identity_in_use` (linked to another account), `signup_closed`, `email_required`.';

export const oauthCallback = createRoute({
  method: 'get',
  path: '/auth/oauth/{provider}/callback',
  operationId: 'oauthCallback',
  security: publicRoute,
  tags,
  summary: 'The provider’s redirect back',
  description: callbackDescription,
  request: { params: ProviderParamSchema, query: CallbackQuerySchema },
  responses: { 302: redirect('To return_to'), ...errorResponses(404, 422) },
});

export const oauthCallbackPost = createRoute({
  method: 'post',
  path: '/auth/oauth/{provider}/callback',
  operationId: 'oauthCallbackFormPost',
  security: publicRoute,
  tags,
  summary: 'The provider’s form_post back (Apple)',
  description: `The same as the GET, for providers answering with response_mode=form_post (Apple). ${callbackDescription}`,
  request: {
    params: ProviderParamSchema,
    body: {
      // Apple always posts one; not required, so that a client's minimal call needs no form.
      required: false,
      content: { 'application/x-www-form-urlencoded': { schema: CallbackQuerySchema } },
    },
  },
  responses: { 303: redirect('To return_to'), ...errorResponses(404, 413, 415, 422) },
});

export const oauthExchange = createRoute({
  method: 'post',
  path: '/auth/oauth/exchange',
  operationId: 'oauthExchange',
  security: publicRoute,
  tags,
  summary: 'Exchange a login_code',
  description:
    'The callback’s login_code (and the verifier of the authorize request’s `code_challenge`, required when one was sent) → the token pair (or with ?transport=cookie the access token and the refresh cookie), `amr` `["fed"]`; or, for an account with a second factor, `{mfa_required, mfa_token, methods, expires_in}` as POST /auth/login does (unless the provider asserted `mfa` in its amr and the provider’s `trust_provider_mfa` is on: then `amr` `["fed","mfa"]`). 401 INVALID_TOKEN for a used, expired or unknown code or a wrong verifier (which uses the code up). Of parallel exchanges of one code exactly one succeeds.',
  middleware: [limitByIp('login', { inDomain: true })],
  request: { query: TransportQuerySchema, body: jsonBody(ExchangeSchema) },
  responses: {
    200: {
      ...jsonResponse(
        z
          .union([TokenPairSchema, AccessTokenSchema, MfaChallengeSchema])
          .openapi('OAuthSignInResult'),
        'Signed in, or a second factor is due (`mfa_required`)',
      ),
      headers: headerRefs('X-Request-ID', 'Set-Cookie'),
    },
    ...errorResponses(400, 401, 403, 413, 415, 422, 429, 503),
  },
});

const signedIn = { tags, security: bearerAuth, middleware: [requireAuth] };

export const listIdentities = createRoute({
  ...signedIn,
  method: 'get',
  path: '/auth/identities',
  operationId: 'listIdentities',
  summary: 'The caller’s linked identities',
  description:
    'Every provider identity linked to the account: the provider’s id, its subject (the key), and the email it gave when linked.',
  responses: {
    200: jsonResponse(IdentityListSchema, 'Identities'),
    ...errorResponses(401, 503),
  },
});

export const linkIdentity = createRoute({
  ...signedIn,
  method: 'post',
  path: '/auth/identities/{provider}/link',
  operationId: 'linkIdentity',
  summary: 'Start linking a provider’s identity',
  description:
    'Needs re-authentication: `{"password": ...}`, or a session signed in within the last 5 minutes (401 INVALID_CREDENTIALS otherwise). Returns the provider’s `authorize_url`; open it in the browser: its callback links the identity to this account and redirects to return_to with `?linked=<provider>` (or `?error=identity_in_use` when it is linked to another account: an identity is never moved).',
  request: {
    params: ProviderParamSchema,
    body: { ...jsonBody(LinkRequestSchema), required: false },
  },
  responses: {
    200: jsonResponse(LinkResultSchema, 'Where to send the browser'),
    ...errorResponses(400, 401, 404, 413, 415, 422, 423, 503),
  },
});

export const unlinkIdentity = createRoute({
  ...signedIn,
  method: 'delete',
  path: '/auth/identities/{identity_id}',
  operationId: 'unlinkIdentity',
  summary: 'Unlink an identity',
  description:
    'Needs re-authentication as linking does. 409 LAST_SIGN_IN_METHOD when the account has no password, no passkey and no other identity.',
  request: {
    params: IdentityIdParamSchema,
    body: { ...jsonBody(UnlinkSchema), required: false },
  },
  responses: {
    204: noContent('Unlinked'),
    ...errorResponses(400, 401, 404, 409, 413, 415, 422, 423, 503),
  },
});
