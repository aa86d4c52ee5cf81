import { z } from '@hono/zod-openapi';
import { ReauthPasswordField } from '../../http/schemas';

// Strict objects, as every request body here (sign-in.schemas.ts).

export const ProviderListSchema = z
  .object({
    items: z.array(
      z.object({
        id: z.string().openapi({ example: 'google' }),
        type: z.enum(['github', 'google', 'microsoft', 'apple', 'oidc']),
        name: z.string().openapi({ example: 'Google' }),
      }),
    ),
  })
  .openapi('OAuthProviderList');

export const ProviderParamSchema = z.object({
  provider: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/)
    .openapi({ param: { name: 'provider', in: 'path' }, example: 'google' }),
});

/** RFC 7636 §4.2: BASE64URL(SHA256(code_verifier)), 43 characters. */
const CodeChallengeField = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'must be an S256 code challenge (43 base64url characters)');

export const AuthorizeQuerySchema = z.object({
  return_to: z.string().max(2048).optional().openapi({
    description:
      "Where the callback sends the browser; only APP_URL's origin and CORS_ORIGINS are followed (else APP_URL)",
  }),
  code_challenge: CodeChallengeField.optional().openapi({
    description:
      'S256 challenge of a verifier the frontend keeps: the exchange then needs that `code_verifier`, so a leaked login_code is useless',
  }),
});

/** Every parameter a provider may send back (RFC 6749 §4.1.2, RFC 9207 `iss`), all optional. */
export const CallbackQuerySchema = z
  .object({
    code: z.string().max(4096).optional(),
    state: z.string().max(256).optional(),
    error: z.string().max(256).optional(),
    error_description: z.string().max(2048).optional(),
    iss: z.string().max(2048).optional(),
  })
  .passthrough();

export const ExchangeSchema = z
  .strictObject({
    login_code: z.string().min(20).max(128),
    code_verifier: z
      .string()
      .regex(/^[A-Za-z0-9._~-]{43,128}$/, 'RFC 7636 §4.1 code verifier')
      .optional(),
  })
  .openapi('OAuthExchange');

export const IdentityListSchema = z
  .object({
    items: z.array(
      z.object({
        identity_id: z.string(),
        provider: z.string(),
        subject: z.string(),
        email: z.string().nullable(),
        created_at: z.string().openapi({ format: 'date-time' }),
      }),
    ),
  })
  .openapi('IdentityList');

export const IdentityIdParamSchema = z.object({
  identity_id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'identity_id', in: 'path' } }),
});

export const LinkRequestSchema = z
  .strictObject({
    password: ReauthPasswordField,
    return_to: AuthorizeQuerySchema.shape.return_to,
  })
  .openapi('LinkIdentity');

export const LinkResultSchema = z.object({ authorize_url: z.url() }).openapi('LinkIdentityResult');

export const UnlinkSchema = z
  .strictObject({ password: ReauthPasswordField })
  .openapi('UnlinkIdentity');
