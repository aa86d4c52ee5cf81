import { createRoute, z } from '@hono/zod-openapi';
import { MessageSchema } from './sign-in.schemas';
import { EmailSchema } from '../../http/email';
import { errorResponses } from '../../http/openapi';
import { bearerAuth, jsonBody, jsonResponse, publicRoute } from '../../http/openapi';
import { limitByIp } from '../../http/middleware/rate-limit';
import { TURNSTILE_FIELD, TurnstileField } from '../../http/turnstile';

const tags = ['Account recovery'];
const TokenField = z.string().min(20).max(200);

export const forgotPassword = createRoute({
  tags,
  method: 'post',
  path: '/auth/forgot-password',
  operationId: 'forgotPassword',
  security: publicRoute,
  summary: 'Email a password reset link',
  description:
    'Always 202 with the same body, whether or not the email has an account and whatever the email provider does; the link works once, for RESET_TOKEN_TTL_SECONDS (30 minutes). Works while the account is locked. With TURNSTILE_SECRET set, a Cloudflare Turnstile token is required (`cf-turnstile-response` in the body or the CF-Turnstile-Response header): missing or refused, 403 CAPTCHA_FAILED; while Turnstile cannot answer, 503 DEPENDENCY_UNAVAILABLE with Retry-After.',
  middleware: [limitByIp('forgot_password')],
  request: {
    body: jsonBody(
      z
        .strictObject({ email: EmailSchema, [TURNSTILE_FIELD]: TurnstileField })
        .openapi('ForgotPassword'),
    ),
  },
  responses: {
    202: jsonResponse(MessageSchema, 'Accepted'),
    ...errorResponses(400, 403, 413, 415, 422, 429, 503),
  },
});

export const resetPassword = createRoute({
  tags,
  method: 'post',
  path: '/auth/reset-password',
  operationId: 'resetPassword',
  security: publicRoute,
  summary: 'Set a new password with a reset token',
  description:
    'Single use. The new password must pass the policy (a failing one does not use the token up). Ends every session and clears a lockout; does not sign in. A password found by the breached-password check (BREACHED_PASSWORDS, a k-anonymity range API) answers 422 BREACHED_PASSWORD; while that check cannot answer, a fail-closed deployment answers 503 DEPENDENCY_UNAVAILABLE with Retry-After.',
  request: {
    body: jsonBody(
      z
        .strictObject({ token: TokenField, new_password: z.string().min(1).max(4096) })
        .openapi('ResetPassword'),
    ),
  },
  responses: {
    200: jsonResponse(MessageSchema, 'Password changed'),
    ...errorResponses(400, 401, 413, 415, 422, 503),
  },
});

export const verifyEmail = createRoute({
  tags,
  method: 'post',
  path: '/auth/verify-email',
  operationId: 'verifyEmail',
  security: publicRoute,
  summary: 'Confirm an email address with the emailed token',
  description: 'Single use, valid for VERIFY_TOKEN_TTL_SECONDS (24 hours).',
  request: { body: jsonBody(z.strictObject({ token: TokenField }).openapi('VerifyEmail')) },
  responses: {
    200: jsonResponse(MessageSchema, 'Email verified'),
    ...errorResponses(400, 401, 413, 415, 422),
  },
});

export const resendVerification = createRoute({
  tags,
  method: 'post',
  path: '/auth/resend-verification',
  operationId: 'resendVerification',
  summary: 'Send the verification email again',
  description:
    'With a bearer token for the caller, or with {email}. Always 202 with the same body; at most NOTIFY_LIMIT_PER_ACCOUNT emails per account. Per-IP limit (RATE_LIMIT_RESEND_VERIFICATION): 429 with Retry-After and X-RateLimit-*.',
  security: [...bearerAuth, {}],
  middleware: [limitByIp('resend_verification')],
  request: {
    body: {
      ...jsonBody(z.strictObject({ email: EmailSchema.optional() }).openapi('ResendVerification')),
      required: false,
    },
  },
  responses: {
    202: jsonResponse(MessageSchema, 'Accepted'),
    ...errorResponses(400, 401, 413, 415, 422, 429),
  },
});
