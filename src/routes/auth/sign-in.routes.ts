import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../../http/openapi';
import { headerRefs } from '../../http/openapi-headers';
import { bearerAuth, jsonBody, jsonResponse, publicRoute } from '../../http/openapi';
import { TransportQuerySchema } from '../../http/cookie-transport';
import { limitByIp } from '../../http/middleware/rate-limit';
import { AccessTokenSchema } from '../../http/schemas';
import { requireAuth } from '../../http/middleware/require-auth';
import {
  LoginSchema,
  LogoutSchema,
  MessageSchema,
  MfaChallengeSchema,
  RefreshSchema,
  TokenPairSchema,
  VerifiedSchema,
} from './sign-in.schemas';

const tags = ['Authentication'];

export const login = createRoute({
  method: 'post',
  path: '/auth/login',
  operationId: 'login',
  security: publicRoute,
  tags,
  summary: 'Sign in with email and password',
  description:
    'Starts a session and returns an access token and a refresh token. Unknown email and wrong password answer the same 401, in the same time. After LOGIN_MAX_FAILURES (5) failures within 15 minutes the account is locked for LOCKOUT_SECONDS (423 with Retry-After), even for the right password. A suspended account answers 403 ACCOUNT_SUSPENDED once the password is right. With a second factor on, the right password answers 200 `{mfa_required: true, mfa_token, methods, expires_in}` and no tokens: send the mfa_token and a code to POST /mfa/verify within 5 minutes. A login whose password check raced a password reset or change, a suspension or the end of every session answers 401 INVALID_CREDENTIALS: the password it checked may be the one just replaced, so sign in again. Per-IP limit: 429 with Retry-After and X-RateLimit-*. With TURNSTILE_SECRET set, a Cloudflare Turnstile token is required (`cf-turnstile-response` in the body or the CF-Turnstile-Response header): missing or refused, 403 CAPTCHA_FAILED; while Turnstile cannot answer, 503 DEPENDENCY_UNAVAILABLE with Retry-After.',
  middleware: [limitByIp('login', { inDomain: true })],
  request: { query: TransportQuerySchema, body: jsonBody(LoginSchema) },
  responses: {
    200: {
      ...jsonResponse(
        z.union([TokenPairSchema, AccessTokenSchema, MfaChallengeSchema]).openapi('LoginResult'),
        'Signed in (a token pair; with ?transport=cookie the access token, the refresh token in Set-Cookie), or the password was right and a second factor is due (`mfa_required`)',
      ),
      headers: headerRefs('X-Request-ID', 'Set-Cookie'),
    },
    ...errorResponses(400, 401, 403, 413, 415, 422, 423, 429, 503),
  },
});

export const refresh = createRoute({
  method: 'post',
  path: '/auth/refresh',
  operationId: 'refreshToken',
  security: publicRoute,
  tags,
  summary: 'Rotate a refresh token',
  description:
    'Each refresh token is exchanged once for a new pair. Concurrent refreshes (two tabs): within REFRESH_REUSE_INTERVAL_SECONDS (10 s) of its rotation, the same token gets the same new refresh token back, while that one is unused; if that one was already rotated too, 401 INVALID_TOKEN and the session stays alive. Presenting a rotated token later is reuse: the whole session ends (401 SESSION_REVOKED). With ?transport=cookie send no body: the token is read from the refresh cookie, the new one is set in its place (and a refused one cleared), and the request must carry X-CSRF-Protection: 1 (403 CSRF_REJECTED).',
  middleware: [limitByIp('refresh', { inDomain: true })],
  request: {
    query: TransportQuerySchema,
    body: {
      ...jsonBody(RefreshSchema, 'Required unless ?transport=cookie'),
      required: false,
    },
  },
  responses: {
    200: {
      ...jsonResponse(
        z.union([TokenPairSchema, AccessTokenSchema]).openapi('RefreshResult'),
        'New token pair (with ?transport=cookie: the access token, the refresh token in Set-Cookie)',
      ),
      headers: headerRefs('X-Request-ID', 'Set-Cookie'),
    },
    ...errorResponses(400, 401, 403, 413, 415, 422, 429, 503),
  },
});

export const logout = createRoute({
  method: 'post',
  path: '/auth/logout',
  operationId: 'logout',
  tags,
  summary: 'End a session',
  description:
    'Ends the session of the bearer access token, or of the refresh token in the body, or with ?transport=cookie of the refresh cookie, which is cleared (X-CSRF-Protection: 1 required, else 403 CSRF_REJECTED).',
  security: [...bearerAuth, {}],
  // A refresh token names its owner's SessionStore: limit per IP like refresh itself.
  middleware: [limitByIp('refresh')],
  request: { query: TransportQuerySchema, body: { ...jsonBody(LogoutSchema), required: false } },
  responses: {
    200: {
      ...jsonResponse(MessageSchema, 'Session ended'),
      headers: headerRefs('X-Request-ID', 'Set-Cookie'),
    },
    ...errorResponses(400, 401, 403, 413, 415, 422, 429, 503),
  },
});

export const verify = createRoute({
  method: 'get',
  path: '/auth/verify',
  operationId: 'verifyToken',
  tags,
  summary: 'Check an access token',
  description:
    "Checks signature, claims and that the session is still live. `roles` are the user's current roles: the token's own unless they changed since it was issued.",
  security: bearerAuth,
  middleware: [requireAuth],
  responses: {
    200: jsonResponse(VerifiedSchema, 'Token is valid and its session live'),
    ...errorResponses(401, 503),
  },
});
