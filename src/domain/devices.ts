import { sessionStore } from '../durable-objects/session-store/object';
import { ApiError } from '../lib/errors';
import { assertSelfOrAdmin, type Caller } from './access';
import type { Deps } from './deps';

// The sessions a user sees and ends as their signed-in devices (login, refresh and rotation are
// the session lifecycle, elsewhere). Sessions live in their owner's SessionStore.

type User = Extract<Caller, { kind: 'user' }>;

/** A user's live sessions, newest first. */
export const listDevices = (deps: Pick<Deps, 'sessions' | 'now'>, userId: string) =>
  sessionStore(deps.sessions, userId).list(deps.now());

/**
 * Ends one session of `owner` (the caller themself, or anyone for an admin). Another user's
 * session id is simply not found in the owner's store: 404, revealing nothing.
 */
export async function revokeDevice(
  deps: Pick<Deps, 'db' | 'sessions'>,
  caller: User,
  owner: string,
  sessionId: string,
): Promise<void> {
  await assertSelfOrAdmin(deps, caller, owner, false);
  if (!(await sessionStore(deps.sessions, owner).revoke(sessionId))) {
    throw new ApiError('NOT_FOUND', 'Session not found');
  }
}

/** The caller's own session; 401 if it ended since the token was checked. */
export async function currentDevice(deps: Pick<Deps, 'sessions' | 'now'>, caller: User) {
  const session = await sessionStore(deps.sessions, caller.userId).get(
    caller.sessionId,
    deps.now(),
  );
  if (!session) throw new ApiError('SESSION_REVOKED', 'This session has ended');
  return session;
}
