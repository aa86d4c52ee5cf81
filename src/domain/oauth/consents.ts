import * as q from '../../db/queries/oauth-grants';
import { sessionStore } from '../../durable-objects/session-store/object';
import { ApiError } from '../../lib/errors';
import type { Deps } from '../deps';

/** What the user has granted, per client (GET /auth/consents). */
export const listConsents = (deps: Pick<Deps, 'db'>, userId: string) =>
  q.listConsents(deps.db, userId);

/**
 * Withdraws the user's consent to a client: the consent goes, the grants are marked revoked
 * and their sessions end (every refresh and access token of that client stops working); the
 * next authorization asks again. 404 when there was none.
 */
export async function withdrawConsent(
  deps: Pick<Deps, 'db' | 'sessions' | 'events' | 'now'>,
  userId: string,
  clientId: string,
): Promise<void> {
  const audit = deps.events.entry({
    type: 'oauth_consent_withdrawn',
    user_id: userId,
    metadata: { client_id: clientId },
  });
  const { found, sessionIds } = await q.withdrawConsent(
    deps.db,
    userId,
    clientId,
    deps.now(),
    audit,
  );
  if (!found) throw new ApiError('NOT_FOUND', 'No consent for this client');
  const store = sessionStore(deps.sessions, userId);
  await Promise.all(sessionIds.map((id) => (id ? store.revoke(id) : Promise.resolve(false))));
  deps.events.emit({
    type: 'oauth_token_revoked',
    user_id: userId,
    metadata: { client_id: clientId },
  });
}
