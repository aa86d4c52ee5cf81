import { z } from '@hono/zod-openapi';

/**
 * The WebAuthn Level 3 JSON forms of a credential (what `PublicKeyCredential.toJSON()` and
 * @simplewebauthn/browser send), checked before the library sees them, so a malformed one is a
 * 422 naming its field rather than a verification failure. Not strict: browsers add members
 * (`publicKey`, `authenticatorData` on a registration) as the spec grows; only these are read.
 */
const B64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url without padding');

const credentialBase = {
  id: B64url(1400),
  rawId: B64url(1400),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
};

export const RegistrationResponseSchema = z
  .object({
    ...credentialBase,
    response: z.object({
      clientDataJSON: B64url(4096),
      attestationObject: B64url(16_384),
      // Kept as sent: browsers add transports as the spec grows (`smart-card`, `hybrid`…).
      transports: z.array(z.string().min(1).max(32)).max(8).optional(),
    }),
  })
  .openapi('RegistrationResponseJSON', {
    description: 'A WebAuthn RegistrationResponseJSON (navigator.credentials.create → toJSON())',
  });

export const AuthenticationResponseSchema = z
  .object({
    ...credentialBase,
    response: z.object({
      clientDataJSON: B64url(4096),
      authenticatorData: B64url(4096),
      signature: B64url(1024),
      userHandle: B64url(128).optional(),
    }),
  })
  .openapi('AuthenticationResponseJSON', {
    description: 'A WebAuthn AuthenticationResponseJSON (navigator.credentials.get → toJSON())',
  });

/** Options are the library's; described, not re-validated, on the way out. */
export const CreationOptionsSchema = z
  .record(z.string(), z.unknown())
  .openapi('PublicKeyCredentialCreationOptionsJSON', {
    description:
      'For navigator.credentials.create (PublicKeyCredential.parseCreationOptionsFromJSON) or @simplewebauthn/browser startRegistration',
  });

export const RequestOptionsSchema = z
  .record(z.string(), z.unknown())
  .openapi('PublicKeyCredentialRequestOptionsJSON', {
    description:
      'For navigator.credentials.get (PublicKeyCredential.parseRequestOptionsFromJSON) or @simplewebauthn/browser startAuthentication',
  });
