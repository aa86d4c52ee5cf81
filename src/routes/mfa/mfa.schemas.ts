import { z } from '@hono/zod-openapi';
import { ReauthPasswordField } from '../../http/schemas';

// Strict objects: unknown fields are refused with 422 (security.md "Errors, logging, input").

const MethodId = z.uuid().openapi({ example: '0b6f4c1e-8d0a-4c3e-9f51-2a7d3e6b8c41' });

export const MethodIdParamSchema = z.object({
  method_id: z.uuid().openapi({ param: { name: 'method_id', in: 'path' } }),
});

export const MfaSetupSchema = z
  .strictObject({
    type: z
      .literal('totp')
      .openapi({ description: 'Only `totp` is served so far; `email` and `sms` answer 422' }),
  })
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

export const BackupCodesSchema = z
  .object({ codes: z.array(z.string()).openapi({ description: '10 single-use codes' }) })
  .openapi('BackupCodes');
