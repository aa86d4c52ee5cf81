import { z } from '@hono/zod-openapi';

/**
 * Canonical form used for lookup and uniqueness (security.md "Emails"): trimmed, NFKC,
 * lower-cased. Mail is sent to the same canonical address.
 */
export const canonicalEmail = (email: string) => email.trim().normalize('NFKC').toLowerCase();

// RFC 5321 caps a path at 254 octets; CR, LF and NUL would allow header injection in mail.
const EMAIL_SHAPE = /^[^\s@\u0000]+@[^\s@\u0000]+\.[^\s@\u0000]+$/u;

/** An email field: canonicalised, then checked, with the contract's INVALID_EMAIL meaning. */
export const EmailSchema = z
  .string()
  .max(320)
  .transform(canonicalEmail)
  .refine((e) => e.length <= 254 && EMAIL_SHAPE.test(e), {
    message: 'must be a valid email address',
  })
  .openapi({ type: 'string', format: 'email', example: 'ada@example.com' });
