import { z } from 'zod';

/**
 * The events of an admin acting on an account (the console, impersonation): members of the
 * DomainEvent union (events.ts), kept here so that file stays within its size. `user_id` is
 * whose trail the entry joins, `actor_id` the admin.
 */
export const adminEventSchemas = () => {
  const id = z.string().min(1);
  const act = { user_id: id, actor_id: id };
  const sessionRef = { session_id: id };
  return [
    z.object({ type: z.literal('session_revoked'), ...act, metadata: z.object(sessionRef) }),
    z.object({
      type: z.literal('impersonation_started'),
      ...act,
      metadata: z.object({ ...sessionRef, impersonated_user_id: id.optional() }),
    }),
  ] as const;
};
