import { and, eq, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { identities, passkeys, users } from '../schema';

/**
 * The guard of removing a way into an account: it keeps another one, a password (any hash but
 * `noPasswordHash`, lib/password.ts NO_PASSWORD_HASH), a passkey or a linked identity, leaving
 * out the one being removed. Put in the DELETE itself, so two parallel removals cannot both pass.
 */
export function anotherWayIn(
  db: Db,
  userId: string,
  noPasswordHash: string,
  removing: { passkeyId: string } | { identityId: string },
): SQL {
  const password = db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, userId), ne(users.passwordHash, noPasswordHash)));
  // A passkey or a linked identity of the user's, other than the one being removed.
  const other = (table: typeof passkeys | typeof identities, except: string | undefined) =>
    db
      .select({ id: table.id })
      .from(table)
      .where(
        and(eq(table.userId, userId), except === undefined ? undefined : ne(table.id, except)),
      );
  const keys = other(passkeys, 'passkeyId' in removing ? removing.passkeyId : undefined);
  const linked = other(identities, 'identityId' in removing ? removing.identityId : undefined);
  return or(sql`exists ${password}`, sql`exists ${keys}`, sql`exists ${linked}`)!;
}
