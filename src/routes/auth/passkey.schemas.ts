import { z } from '@hono/zod-openapi';
import { EmailSchema } from '../../http/email';
import { AuthenticationResponseSchema, RequestOptionsSchema } from '../../http/webauthn-schemas';

export const PasskeyOptionsRequestSchema = z
  .strictObject({ email: EmailSchema.optional() })
  .openapi('PasskeySignInOptionsRequest');

export const PasskeyOptionsSchema = z
  .object({
    challenge_id: z.string().openapi({ description: 'Send back with the assertion; single use' }),
    options: RequestOptionsSchema,
  })
  .openapi('PasskeySignInOptions');

export const PasskeyVerifySchema = z
  .strictObject({
    // A compact JWT (src/domain/factors/sign-in-challenges.ts): base64url parts and dots.
    challenge_id: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[A-Za-z0-9_.-]+$/),
    response: AuthenticationResponseSchema,
  })
  .openapi('PasskeySignInRequest');
