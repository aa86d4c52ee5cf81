import type { Context } from 'hono';
import { createUser, findUserByEmail, type ProfileFields } from '../db/queries/users';
import type { AppEnv } from '../http/app-env';
import { auditEntry } from './audit';
import { ApiError } from './errors';
import { hashPassword } from './password';
import { assertPasswordPolicy } from './password-policy';
import { requireHasher } from './secrets';

export interface NewAccount {
  email: string;
  password: string;
  roles: string[];
  emailVerified?: boolean;
  profile: ProfileFields & { preferences?: Record<string, unknown> };
}

/**
 * Creates an account (self-registration or by an admin/service): the password policy, a cheap
 * duplicate check before spending a hash, then user, profile, roles and the audit entry in one
 * batch, whose unique indexes settle races. Returns the new user id; 409/422 otherwise.
 */
export async function createAccount(
  c: Context<AppEnv>,
  account: NewAccount,
  by: { actorId?: string | null; metadata?: Record<string, unknown> } = {},
): Promise<string> {
  const hasher = requireHasher(c.var.secrets);
  assertPasswordPolicy(c.var.config, account.password, account.email);
  const emailTaken = () =>
    new ApiError(409, 'USER_EXISTS', 'An account with this email already exists');
  if (await findUserByEmail(c.var.db, account.email)) throw emailTaken();
  const id = crypto.randomUUID();
  const created = await createUser(
    c.var.db,
    {
      id,
      email: account.email,
      passwordHash: await hashPassword(hasher, account.password),
      roles: [...new Set(account.roles)],
      emailVerifiedAt: account.emailVerified ? new Date() : null,
    },
    account.profile,
    auditEntry(c, 'registered', { userId: id, ...by }),
  );
  if (!created.ok) {
    throw created.conflict === 'email'
      ? emailTaken()
      : new ApiError(409, 'CONFLICT', 'This username is taken');
  }
  return id;
}
