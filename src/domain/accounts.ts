import {
  createUser,
  deleteUser,
  isSoleOwnerOfOthers,
  findUserByEmail,
  findUserById,
  type ProfileFields,
} from '../db/queries/users';
import { sessionStore } from '../durable-objects/session-store/object';
import { ApiError } from '../lib/errors';
import { assertPasswordPolicy } from '../lib/password-policy';
import { requireHasher } from '../lib/secrets';
import { assertSelfOrAdmin, type Caller } from './access';
import { newPassword } from './breached-passwords';
import { assertRecentlyAuthenticated } from './credentials';
import type { Deps } from './deps';
import { refuseImpersonation } from './impersonation';
import type { OrgRole } from './org-roles';
import { newEmailToken, scheduleFirstTokenEmail, type EmailToken } from './notifications';

export interface NewAccount {
  email: string;
  password: string;
  roles: string[];
  emailVerified?: boolean;
  /** An organization the account joins as it is created (POST /users/profile). */
  organization?: { organizationId: string; role: OrgRole };
  profile: ProfileFields & { preferences?: Record<string, unknown> };
  /** A link token stored with the account (the verification email sent after sign-up). */
  token?: EmailToken;
}

/**
 * Creates an account (self-registration or by an admin/service): the password policy, a cheap
 * duplicate check before spending a hash, the hash beside the breached-password check, then user, profile, roles and the audit entry in one
 * batch, whose unique indexes settle races. Returns the new user id; 409/422 otherwise.
 */
export async function createAccount(
  deps: Deps,
  account: NewAccount,
  by: { actorId?: string | null; by?: string } = {},
): Promise<string> {
  requireHasher(deps.secrets);
  assertPasswordPolicy(deps.config, account.password, account.email);
  const emailTaken = () => new ApiError('USER_EXISTS', 'An account with this email already exists');
  // The breached-password check's cache lookup and breaker admission, and the per-IP verdict
  // (self-registration), ride along with the duplicate check: no hash or write before them.
  const password = newPassword(deps, account.password);
  const [taken] = await Promise.all([findUserByEmail(deps.db, account.email), deps.admitted()]);
  if (taken) throw emailTaken();
  const passwordHash = await password.hash();
  const id = crypto.randomUUID();
  const created = await createUser(
    deps.db,
    {
      id,
      email: account.email,
      passwordHash,
      roles: [...new Set(account.roles)],
      emailVerifiedAt: account.emailVerified ? new Date(deps.now()) : null,
    },
    account.profile,
    deps.events.entry({
      type: 'registered',
      user_id: id,
      ...(by.actorId !== undefined && { actor_id: by.actorId }),
      ...(by.by !== undefined && { metadata: { by: by.by } }),
    }),
    account.organization && {
      ...account.organization,
      audit: deps.events.entry({
        type: 'member_added',
        user_id: id,
        organization_id: account.organization.organizationId,
        actor_id: by.actorId ?? null,
        metadata: { role: account.organization.role, via: 'user_profile' },
      }),
    },
    account.token && {
      purpose: account.token.purpose,
      tokenHash: account.token.tokenHash,
      ttlMs: account.token.ttlSeconds * 1000,
    },
  );
  if (!created.ok) {
    if (created.conflict === 'organization') {
      throw new ApiError('VALIDATION_ERROR', 'Request validation failed', {
        errors: [{ field: 'organization.organization_id', message: 'unknown organization' }],
      });
    }
    throw created.conflict === 'email'
      ? emailTaken()
      : new ApiError('CONFLICT', 'This username is taken');
  }
  return id;
}

/** Self-service sign-up (registration, an email sign-in's create_account) only while open. */
function assertSignUpOpen(deps: Pick<Deps, 'config'>) {
  if (!deps.config.SIGN_UP_OPEN) throw new ApiError('SIGN_UP_CLOSED');
}

/**
 * Self-registration: a plain `user` (admins are made only by the operator's grant,
 * scripts/admin.mjs), and a verification email after the answer, its token stored with the
 * account.
 */
export async function register(
  deps: Deps,
  input: { email: string; password: string; profile: ProfileFields },
): Promise<string> {
  assertSignUpOpen(deps);
  const token = await newEmailToken(deps, 'email_verification');
  const id = await createAccount(deps, { ...input, roles: ['user'], token });
  scheduleFirstTokenEmail(deps, { id, email: input.email }, token);
  return id;
}

/**
 * Deletes an account: the user themself (re-authenticated: a password or a recent sign-in) or
 * an admin. Sessions end, and stay impossible, before the row goes, so no token outlives it.
 */
export async function deleteAccount(
  deps: Deps,
  caller: Caller,
  userId: string,
  password: string | undefined,
): Promise<void> {
  if (caller.kind === 'user') refuseImpersonation(caller);
  await assertSelfOrAdmin(deps, caller, userId, false);
  const user = await findUserById(deps.db, userId);
  if (!user) throw new ApiError('NOT_FOUND', 'User not found');
  if (caller.kind === 'user' && caller.userId === userId) {
    await assertRecentlyAuthenticated(deps, user, caller.sessionId, password);
  }
  if (await isSoleOwnerOfOthers(deps.db, userId)) throw lastOwner();
  const store = sessionStore(deps.sessions, userId);
  await store.block(deps.now());
  const actor = caller.kind === 'user' ? caller.userId : null;
  const deleted = await deleteUser(
    deps.db,
    userId,
    deps.events.entry({ type: 'deleted', user_id: userId, actor_id: actor }),
  );
  // A role change raced the check above and made the user a last owner after all: the account
  // stays (its sessions have ended; signing in again works).
  if (!deleted) {
    await store.unblock();
    throw lastOwner();
  }
}

const lastOwner = () =>
  new ApiError(
    'LAST_OWNER',
    'This account is the last owner of an organization with other members: make another member an owner, or delete the organization, first',
  );
