import {
  createFederatedUser,
  deleteIdentity,
  findIdentity,
  linkIdentity,
  listIdentities,
} from '../../db/queries/identities';
import { findUserByEmail, findUserById } from '../../db/queries/users';
import { sessionStore } from '../../durable-objects/session-store/object';
import { ApiError, orUnavailable } from '../../lib/errors';
import { NO_PASSWORD_HASH } from '../../lib/password';
import { assertRecentlyAuthenticated } from '../credentials';
import type { Deps } from '../deps';
import type { ProviderProfile } from './provider';

/**
 * Which account a provider's identity signs into (api.md "Social and enterprise sign-in",
 * security.md "Federation"). The subject is the key: a linked identity signs into its account
 * whatever its email says now. An unlinked one joins the account of its address only when the
 * provider vouches for the address; an account that never proved that address loses whatever
 * its registrant set up (pre-hijack: whoever registered it never owned the mailbox). Otherwise a
 * new account, or `account_exists` for the user to link from a signed-in session.
 */
export type Resolution =
  | { ok: true; userId: string; created: boolean }
  | { ok: false; error: 'account_exists' | 'signup_closed' | 'email_required' };

const canonical = (email: string) => email.trim().toLowerCase();

export async function resolveAccount(
  deps: Deps,
  provider: string,
  profile: ProviderProfile,
  retried = false,
): Promise<Resolution> {
  const linked = await findIdentity(deps.db, provider, profile.subject);
  if (linked) return { ok: true, userId: linked.userId, created: false };
  if (!profile.email) return { ok: false, error: 'email_required' };
  const email = canonical(profile.email);
  const identity = { id: crypto.randomUUID(), provider, subject: profile.subject, email };
  const at = new Date(deps.now());
  const existing = await findUserByEmail(deps.db, email);
  if (existing) {
    if (!profile.emailVerified) return { ok: false, error: 'account_exists' };
    const proveMailbox = existing.emailVerifiedAt === null;
    const audit = deps.events.entry({
      type: 'identity_linked',
      user_id: existing.id,
      metadata: { provider, identity_id: identity.id },
    });
    const linkedNow = await linkIdentity(
      deps.db,
      {
        identity: { ...identity, userId: existing.id },
        proveMailbox,
        noPasswordHash: NO_PASSWORD_HASH,
      },
      audit,
    );
    // A parallel callback of the same subject linked it first: sign into what it linked.
    if (!linkedNow.ok && !retried) return resolveAccount(deps, provider, profile, true);
    if (!linkedNow.ok) throw new Error('identity not linked');
    if (proveMailbox) {
      // The registrant's sessions end before this sign-in's starts (credential epoch).
      await orUnavailable('Session store', () =>
        sessionStore(deps.sessions, existing.id).revokeAll({ now: deps.now() }),
      );
      deps.events.emit({ type: 'email_verified', user_id: existing.id });
    }
    return { ok: true, userId: existing.id, created: false };
  }
  if (!deps.config.SIGN_UP_OPEN) return { ok: false, error: 'signup_closed' };
  const userId = crypto.randomUUID();
  const created = await createFederatedUser(
    deps.db,
    {
      id: userId,
      email,
      passwordHash: NO_PASSWORD_HASH,
      emailVerifiedAt: profile.emailVerified ? at : null,
    },
    { ...identity, userId },
    deps.events.entry({
      type: 'registered',
      user_id: userId,
      metadata: { by: `oauth:${provider}` },
    }),
  );
  // Someone registered the address, or the same subject signed in, meanwhile: decide again.
  if (!created.ok && !retried) return resolveAccount(deps, provider, profile, true);
  if (!created.ok) throw new Error('account not created');
  return { ok: true, userId, created: true };
}

/**
 * Links an identity to a signed-in user (the callback of POST /auth/identities/{provider}/link).
 * An identity linked elsewhere stays there (security.md: never moved between accounts).
 */
export async function linkToUser(
  deps: Deps,
  userId: string,
  provider: string,
  profile: ProviderProfile,
): Promise<{ ok: true } | { ok: false; error: 'identity_in_use' }> {
  const linked = await findIdentity(deps.db, provider, profile.subject);
  if (linked)
    return linked.userId === userId ? { ok: true } : { ok: false, error: 'identity_in_use' };
  const id = crypto.randomUUID();
  const email = profile.email ? canonical(profile.email) : null;
  const audit = deps.events.entry({
    type: 'identity_linked',
    user_id: userId,
    metadata: { provider, identity_id: id },
  });
  const identity = { id, userId, provider, subject: profile.subject, email };
  const done = await linkIdentity(
    deps.db,
    { identity, proveMailbox: false, noPasswordHash: NO_PASSWORD_HASH },
    audit,
  );
  return done.ok ? { ok: true } : { ok: false, error: 'identity_in_use' };
}

export const listUserIdentities = (deps: Pick<Deps, 'db'>, userId: string) =>
  listIdentities(deps.db, userId);

/**
 * Unlinks an identity: the same re-authentication as removing a passkey (the password, or a
 * sign-in within 5 minutes), and never the account's last way in (409 LAST_SIGN_IN_METHOD).
 */
export async function unlinkIdentity(
  deps: Deps,
  caller: { userId: string; sessionId: string },
  identityId: string,
  password: string | undefined,
) {
  const user = await userById(deps, caller.userId);
  await assertRecentlyAuthenticated(deps, user, caller.sessionId, password);
  const audit = deps.events.entry({
    type: 'identity_unlinked',
    user_id: user.id,
    metadata: { identity_id: identityId },
  });
  const outcome = await deleteIdentity(deps.db, user.id, identityId, audit, NO_PASSWORD_HASH);
  if (outcome === 'gone') throw new ApiError('NOT_FOUND', 'No such identity');
  if (outcome === 'last')
    throw new ApiError(
      'LAST_SIGN_IN_METHOD',
      'This identity is the only way into the account: set a password or link another first',
    );
}

/** Re-authentication before a link starts (the user proves it is them, not a stolen token). */
export async function assertMayLink(
  deps: Deps,
  caller: { userId: string; sessionId: string },
  password: string | undefined,
) {
  const user = await userById(deps, caller.userId);
  await assertRecentlyAuthenticated(deps, user, caller.sessionId, password);
}

async function userById(deps: Deps, userId: string) {
  const user = await findUserById(deps.db, userId);
  if (!user) throw new ApiError('NOT_FOUND', 'User not found');
  return user;
}
