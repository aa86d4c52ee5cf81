import { z } from '@hono/zod-openapi';
import { EmailSchema } from '../../http/email';
import { TURNSTILE_FIELD, TurnstileField } from '../../http/turnstile';

// Strict objects, as every request body here (sign-in.schemas.ts).

export const EmailStartSchema = z
  .strictObject({
    email: EmailSchema,
    return_to: z.url().max(2048).optional().openapi({
      description:
        "Where the hosted confirm page sends the browser once signed in; only APP_URL's origin and CORS_ORIGINS are followed (else a neutral page)",
    }),
    create_account: z.boolean().optional().openapi({
      description:
        'Create an account for an unknown address when it proves the mailbox (only while SIGN_UP_OPEN)',
    }),
    [TURNSTILE_FIELD]: TurnstileField,
  })
  .openapi('EmailSignInStart');

const TokenField = z.string().min(20).max(200);
const CodeField = z
  .string()
  .regex(/^\d{6}$/, 'must be the 6-digit code')
  .openapi({ example: '123456' });

export const EmailVerifySchema = z
  .union([
    z.strictObject({ token: TokenField }),
    z.strictObject({ email: EmailSchema, code: CodeField }),
  ])
  .openapi('EmailSignInVerify', {
    description: "The link's token, or the address and the 6-digit code of the same email",
  });
