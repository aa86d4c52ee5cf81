import { z } from '@hono/zod-openapi';
import { E164 } from '../../domain/factors/one-time-codes';
import { ReauthPasswordField } from '../../http/schemas';

// Strict objects: unknown fields are refused with 422 (security.md "Errors, logging, input").

const MethodId = z.uuid().openapi({ example: '0b6f4c1e-8d0a-4c3e-9f51-2a7d3e6b8c41' });

export const MethodIdParamSchema = z.object({
  method_id: z.uuid().openapi({ param: { name: 'method_id', in: 'path' } }),
});

const password = ReauthPasswordField.openapi({
  format: 'password',
  description:
    'The current password; needed unless this session signed in within the last 5 minutes',
});

export const MfaSetupSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('totp'), password }),
    z.strictObject({ type: z.literal('email'), password }),
    z.strictObject({
      type: z.literal('sms'),
      phone: z
        .string()
        .regex(E164, 'must be an E.164 number such as +14155550123')
        .openapi({ example: '+14155550123' }),
      password,
    }),
  ])
  .openapi('MfaSetupRequest');

export const MfaSetupResultSchema = z
  .object({
    method_id: z.string(),
    type: z.literal('totp'),
    secret: z.string().openapi({ description: 'Base32, for typing into an authenticator app' }),
    otpauth_uri: z.string().openapi({ example: 'otpauth://totp/edge-auth:ada%40example.com?…' }),
    qr_svg: z.string().openapi({ description: 'The otpauth URI as a QR code (SVG markup)' }),
  })
  .openapi('MfaSetup');

export const MfaCodeSentSchema = z
  .object({
    method_id: z.string(),
    type: z.enum(['email', 'sms']),
    destination: z.string().openapi({ description: 'Masked', example: 'a•••@example.com' }),
    expires_in: z.number().int().openapi({ description: 'Seconds the code stays valid' }),
  })
  .openapi('MfaCodeSent');

export const MfaChallengeSchema = z
  .strictObject({
    mfa_token: z.string().min(1).max(200).openapi({ description: 'From POST /auth/login' }),
    method_id: MethodId,
  })
  .openapi('MfaChallengeRequest');

export const MfaVerifySchema = z
  .strictObject({
    code: z.string().trim().min(6).max(32).openapi({ example: '123456' }),
    method_id: MethodId.optional(),
    mfa_token: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: 'From POST /auth/login; without it, this confirms an enrolment' }),
  })
  .refine((b) => b.mfa_token !== undefined || b.method_id !== undefined, {
    message: 'send mfa_token (login) or method_id (enrolment)',
    path: ['method_id'],
  })
  .openapi('MfaVerifyRequest');

export const MfaEnrolledSchema = z
  .object({
    method_id: z.string(),
    active: z.literal(true),
    backup_codes: z
      .array(z.string())
      .optional()
      .openapi({ description: 'With the first active method only, shown this once' }),
  })
  .openapi('MfaEnrolled');

export const MfaMethodListSchema = z
  .object({
    methods: z.array(
      z.object({
        method_id: z.string(),
        type: z.enum(['totp', 'email', 'sms']),
        destination: z
          .string()
          .nullable()
          .openapi({ description: 'Email/SMS: where codes go, masked; null for TOTP' }),
        active: z.boolean(),
        created_at: z.string().openapi({ format: 'date-time' }),
        confirmed_at: z.string().nullable().openapi({ format: 'date-time' }),
        last_used_at: z.string().nullable().openapi({ format: 'date-time' }),
      }),
    ),
  })
  .openapi('MfaMethodList');

export const DeleteMfaMethodSchema = z
  .strictObject({
    password: ReauthPasswordField,
  })
  .openapi('DeleteMfaMethod');

export const RegenerateBackupCodesSchema = z
  .strictObject({ password: ReauthPasswordField })
  .openapi('RegenerateBackupCodes');

export const BackupCodesSchema = z
  .object({ codes: z.array(z.string()).openapi({ description: '10 single-use codes' }) })
  .openapi('BackupCodes');
