import { z } from 'zod';

/**
 * The identity provider's members of the DomainEvent union (domain/events.ts spreads them in;
 * kept here so that the union's file stays small). Every grant and revocation is one of these,
 * so they reach the audit trail and analytics like any other event.
 */
export const oauthProviderEvents = (id: z.ZodString) => {
  const client = { client_id: id };
  return [
    z.object({
      type: z.literal('oauth_client_changed'),
      user_id: id.nullable(),
      actor_id: id.nullable(),
      metadata: z.object({ ...client, change: z.enum(['created', 'updated', 'deleted']) }),
    }),
    z.object({
      type: z.literal('oauth_consent_granted'),
      user_id: id,
      metadata: z.object({ ...client, scopes: z.array(z.string()) }),
    }),
    z.object({
      type: z.literal('oauth_consent_withdrawn'),
      user_id: id,
      metadata: z.object(client),
    }),
    z.object({
      type: z.literal('oauth_token_issued'),
      user_id: id.nullable(),
      metadata: z.object({
        ...client,
        grant_id: id,
        grant_type: z.enum(['authorization_code', 'refresh_token', 'client_credentials']),
      }),
    }),
    z.object({
      type: z.literal('oauth_code_reuse'),
      user_id: id,
      metadata: z.object({ ...client, grant_id: id }),
    }),
    z.object({
      type: z.literal('oauth_token_revoked'),
      user_id: id.nullable(),
      metadata: z.object({ ...client, grant_id: id.optional() }),
    }),
  ] as const;
};
