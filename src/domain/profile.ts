import { updateProfile as writeProfile, type ProfileFields } from '../db/queries/users';
import { countPasskeys } from '../db/queries/passkeys';
import type { Profile } from '../db/schema';
import { sessionStore } from '../durable-objects/session-store/object';
import { ApiError } from '../lib/errors';
import { NO_PASSWORD_HASH } from '../lib/password';
import { grantsFor, userWithProfile } from './access';
import type { Deps } from './deps';
import { mfaSummary } from './factors/enrolment';

// A user's profile, as the routes that show one read it.
export type { Profile };

/**
 * The signed-in user as /auth/me shows them: account, profile, grants, second factors and how
 * many sessions are live. Roles come from D1, not the token, which may be up to 15 minutes older than a role
 * change.
 */
export async function me(deps: Pick<Deps, 'db' | 'sessions' | 'now'>, userId: string) {
  const [{ user, profile }, grants, sessions, mfa, passkeys] = await Promise.all([
    userWithProfile(deps, userId),
    grantsFor(deps, userId),
    sessionStore(deps.sessions, userId).list(deps.now()),
    mfaSummary(deps, userId),
    countPasskeys(deps.db, userId),
  ]);
  // api.md "Sign-in methods beyond the password": a passwordless account stores NO_PASSWORD_HASH.
  const signInMethods = {
    password: user.passwordHash !== NO_PASSWORD_HASH,
    passkeys,
    identities: [] as { provider: string }[],
  };
  return { user, profile, grants, sessionCount: sessions.length, mfa, signInMethods };
}

/**
 * Changes the given profile fields (null clears one) and returns the profile after the change;
 * 409 when the username is taken. `changed` names the fields the client sent, for the audit
 * trail.
 */
export async function updateProfile(
  deps: Pick<Deps, 'db' | 'events' | 'now'>,
  userId: string,
  fields: ProfileFields,
  changed: string[],
) {
  const result = await writeProfile(deps.db, userId, fields, new Date(deps.now()));
  if (!result.ok) throw new ApiError('CONFLICT', 'This username is taken');
  deps.events.emit({ type: 'profile_changed', user_id: userId, metadata: { fields: changed } });
  return (await userWithProfile(deps, userId)).profile;
}
