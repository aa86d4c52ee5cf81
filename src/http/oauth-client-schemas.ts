import { z } from '@hono/zod-openapi';
import type { OAuthClient } from '../domain/oauth/clients';
import { CLIENT_AUTH_METHODS, GRANT_TYPES } from '../domain/oauth/discovery';

// A relying party of the identity provider, as the admin routes take and show it (api.md's
// field names; RFC 7591's where the contract names none).

const LOOPBACK = /^(localhost|127\.0\.0\.1|\[::1\])$/;

/**
 * Redirect URIs are compared exactly (no wildcards, no fragment): https, http to a loopback
 * host (native apps and development, RFC 8252 §7.3), or a private-use scheme with a dot
 * (`com.example.app:/cb`, RFC 8252 §7.1).
 */
export const RedirectUriSchema = z
  .string()
  .max(2048)
  .refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    if (url.hash || value.includes('#') || url.username || url.password) return false;
    if (url.protocol === 'https:') return true;
    if (url.protocol === 'http:') return LOOPBACK.test(url.hostname);
    return /^[a-z][a-z0-9+-]*\.[a-z0-9+.-]+:$/.test(url.protocol);
  }, 'an absolute https URL (http only to localhost), without a fragment')
  .openapi({ example: 'https://app.example.com/callback' });

/** A scope: the built-in ones or an admin's (`invoices:read`). */
const ScopeNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_:.-]{0,63}$/, 'lower-case letters, digits and _ : . -');

const LogoUriSchema = z
  .string()
  .max(2048)
  .refine((v) => URL.canParse(v) && new URL(v).protocol === 'https:', 'an https URL');

const ClientFields = {
  name: z.string().trim().min(1).max(100),
  logo_uri: LogoUriSchema.nullable(),
  redirect_uris: z.array(RedirectUriSchema).max(10),
  grant_types: z.array(z.enum(GRANT_TYPES)).min(1),
  scopes: z.array(ScopeNameSchema).max(50),
  token_endpoint_auth_method: z.enum(CLIENT_AUTH_METHODS),
  id_token_signed_response_alg: z.enum(['RS256', 'EdDSA']),
};

export const CreateClientSchema = z
  .strictObject({
    ...ClientFields,
    logo_uri: ClientFields.logo_uri.optional(),
    redirect_uris: ClientFields.redirect_uris.default([]),
    grant_types: ClientFields.grant_types.default(['authorization_code', 'refresh_token']),
    scopes: ClientFields.scopes.default(['openid', 'profile', 'email', 'offline_access']),
    token_endpoint_auth_method:
      ClientFields.token_endpoint_auth_method.default('client_secret_basic'),
    id_token_signed_response_alg: ClientFields.id_token_signed_response_alg.default('RS256'),
  })
  .openapi('OAuthClientCreate');

export const UpdateClientSchema = z
  .strictObject(ClientFields)
  .partial()
  .openapi('OAuthClientUpdate');

export const ClientSchema = z
  .object({
    client_id: z.string(),
    name: z.string(),
    logo_uri: z.string().nullable(),
    redirect_uris: z.array(z.string()),
    grant_types: z.array(z.string()),
    scopes: z.array(z.string()),
    token_endpoint_auth_method: z.enum(CLIENT_AUTH_METHODS),
    id_token_signed_response_alg: z.enum(['RS256', 'EdDSA']),
    created_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('OAuthClient');

export const CreatedClientSchema = ClientSchema.extend({
  client_secret: z.string().nullable().openapi({
    description: 'Shown this once (null for a public client): only its hash is stored',
  }),
}).openapi('OAuthClientCreated');

export const ClientListSchema = z
  .object({ items: z.array(ClientSchema) })
  .openapi('OAuthClientList');

/** A client as the API shows it (ClientSchema). */
export const clientJson = (c: OAuthClient) => ({
  client_id: c.id,
  name: c.name,
  logo_uri: c.logoUri,
  redirect_uris: c.redirectUris,
  grant_types: c.grantTypes,
  scopes: c.scopes,
  token_endpoint_auth_method: c.tokenEndpointAuthMethod,
  id_token_signed_response_alg: c.idTokenAlg,
  created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(),
});

/** The body's fields as the domain's ClientInput. */
export const clientInput = (b: Partial<z.infer<typeof UpdateClientSchema>>) => ({
  ...(b.name !== undefined && { name: b.name }),
  ...(b.logo_uri !== undefined && { logoUri: b.logo_uri }),
  ...(b.redirect_uris && { redirectUris: b.redirect_uris }),
  ...(b.grant_types && { grantTypes: b.grant_types }),
  ...(b.scopes && { scopes: b.scopes }),
  ...(b.token_endpoint_auth_method && { tokenEndpointAuthMethod: b.token_endpoint_auth_method }),
  ...(b.id_token_signed_response_alg && { idTokenAlg: b.id_token_signed_response_alg }),
});
