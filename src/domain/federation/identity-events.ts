import { z } from 'zod';

/**
 * The federated sign-in's members of the DomainEvent union (domain/events.ts spreads them in;
 * kept here so that the union's file stays small): an identity linked to or unlinked from an
 * account, audited on it.
 */
export const identityEvents = (id: z.ZodString) =>
  [
    z.object({
      type: z.literal('identity_linked'),
      user_id: id,
      metadata: z.object({ provider: z.string(), identity_id: id }),
    }),
    z.object({
      type: z.literal('identity_unlinked'),
      user_id: id,
      metadata: z.object({ identity_id: id }),
    }),
  ] as const;
