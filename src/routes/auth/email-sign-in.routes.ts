import { createRoute, z } from '@hono/zod-openapi';
import { TransportQuerySchema } from '../../http/cookie-transport';
import { limitByIp } from '../../http/middleware/rate-limit';
import { headerRefs } from '../../http/openapi-headers';
import { errorResponses, jsonBody, jsonResponse, publicRoute } from '../../http/openapi';
import { AccessTokenSchema } from '../../http/schemas';
import { EmailStartSchema, EmailVerifySchema } from './email-sign-in.schemas';
import { MessageSchema, MfaChallengeSchema, TokenPairSchema } from './sign-in.schemas';

const tags = ['Authentication'];

export const emailStart = createRoute({
  method: 'post',
  path: '/auth/email/start',
  operationId: 'emailSignInStart',
  security: publicRoute,
  tags,
  summary: 'Email a sign-in link and code',
  description:
    'Always 202 with the same body, whatever the address, and in the same time: the email goes out after the answer. A known address gets one email with a link (APP_URL/auth/email/confirm?token=…, a hosted page whose button signs in: opening the link signs nobody in) and a 6-digit code for POST /auth/email/verify; both work once, for 15 minutes, and a new start replaces them. An unknown address gets one only with `create_account: true` while SIGN_UP_OPEN (the account is created, verified and without a password, when the link or code is used); otherwise nothing is sent. At most NOTIFY_LIMIT_PER_ACCOUNT emails per address (beyond: still 202, nothing sent). Per-IP limit shared with forgot-password: 429 with Retry-After and X-RateLimit-*. With TURNSTILE_SECRET set, a Cloudflare Turnstile token is required (`cf-turnstile-response` in the body or the CF-Turnstile-Response header): missing or refused, 403 CAPTCHA_FAILED; while Turnstile cannot answer, 503 DEPENDENCY_UNAVAILABLE with Retry-After.',
  middleware: [limitByIp('forgot_password')],
  request: { body: jsonBody(EmailStartSchema) },
  responses: {
    202: jsonResponse(MessageSchema, 'Accepted'),
    ...errorResponses(400, 403, 413, 415, 422, 429, 503),
  },
});

export const emailVerify = createRoute({
  method: 'post',
  path: '/auth/email/verify',
  operationId: 'emailSignInVerify',
  security: publicRoute,
  tags,
  summary: 'Sign in with an emailed link token or code',
  description:
    '`{token}` (the link\'s) or `{email, code}` → the token pair (amr ["email"]), or, when the account has a second factor, `{mfa_required, mfa_token, methods, expires_in}` as POST /auth/login answers. Single use: of parallel uses exactly one succeeds. A used, expired or replaced link answers 401 INVALID_TOKEN; a wrong, used or expired code 401 INVALID_CREDENTIALS. A code allows 5 wrong tries per email sent, and wrong codes count toward the account lockout like wrong passwords (423 ACCOUNT_LOCKED with Retry-After, even for the right code); a link works on a locked account, as a reset link does. The first use on an account whose address was never verified verifies it and clears what its first registrant set up (password, second factors, sessions). ?transport=cookie as for /auth/login. Per-IP limit shared with /auth/login.',
  middleware: [limitByIp('login', { inDomain: true })],
  request: { query: TransportQuerySchema, body: jsonBody(EmailVerifySchema) },
  responses: {
    200: {
      ...jsonResponse(
        z
          .union([TokenPairSchema, AccessTokenSchema, MfaChallengeSchema])
          .openapi('EmailSignInResult'),
        'Signed in (a token pair; with ?transport=cookie the access token, the refresh token in Set-Cookie), or a second factor is due (`mfa_required`)',
      ),
      headers: headerRefs('X-Request-ID', 'Set-Cookie'),
    },
    ...errorResponses(400, 401, 403, 413, 415, 422, 423, 429, 503),
  },
});
