import { z } from '@hono/zod-openapi';
import { EmailSchema } from '../../http/email';
import { TokenPairSchema, UsernameField } from '../../http/schemas';
import { TURNSTILE_FIELD, TurnstileField } from '../../http/turnstile';

// Strict objects: unknown fields (`role`, `is_admin`, `email_verified`...) are refused with
// 422, never silently applied (security.md "Errors, logging, input").

/** Long enough for any policy (1,024 code points can take 4,096 UTF-16 units); the policy decides. */
const PasswordField = z
  .string()
  .min(1)
  .max(4096)
  .openapi({ format: 'password', example: 'Correct-Horse-42' });

const NameField = z.string().trim().min(1).max(100);

export const RegisterSchema = z
  .strictObject({
    email: EmailSchema,
    password: PasswordField,
    first_name: NameField.optional(),
    last_name: NameField.optional(),
    username: UsernameField.optional(),
    [TURNSTILE_FIELD]: TurnstileField,
  })
  .openapi('RegisterRequest');

export const RegisteredSchema = z
  .object({ user_id: z.string(), email: z.string(), message: z.string() })
  .openapi('Registered');

export const LoginSchema = z
  .strictObject({ email: EmailSchema, password: PasswordField, [TURNSTILE_FIELD]: TurnstileField })
  .openapi('LoginRequest');

export const RefreshSchema = z
  .strictObject({ refresh_token: z.string().min(1).max(512) })
  .openapi('RefreshRequest');

export const LogoutSchema = z
  .strictObject({ refresh_token: z.string().min(1).max(512).optional() })
  .openapi('LogoutRequest');

export const MessageSchema = z.object({ message: z.string() }).openapi('Message');

export const VerifiedSchema = z
  .object({
    valid: z.literal(true),
    user_id: z.string(),
    email: z.string(),
    session_id: z.string(),
    roles: z.array(z.string()),
    amr: z
      .array(z.string())
      .optional()
      .openapi({ description: 'RFC 8176 methods, when the sign-in took a second factor' }),
    expires_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('VerifiedToken');

/**
 * The second step a login answers instead of tokens when a second factor is on: send the
 * mfa_token and a code to POST /mfa/verify.
 */
export const MfaChallengeSchema = z
  .object({
    mfa_required: z.literal(true),
    mfa_token: z.string().openapi({ description: 'Accepted by POST /mfa/verify only' }),
    methods: z.array(z.object({ method_id: z.string(), type: z.enum(['totp', 'email', 'sms']) })),
    expires_in: z.number().int().openapi({ example: 300 }),
  })
  .openapi('MfaChallenge');

export { TokenPairSchema };
