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
  const keys = db
    .select({ id: passkeys.id })
    .from(passkeys)
    .where(
      and(
        eq(passkeys.userId, userId),
        'passkeyId' in removing ? ne(passkeys.id, removing.passkeyId) : undefined,
      ),
    );
  const linked = db
    .select({ id: identities.id })
    .from(identities)
    .where(
      and(
        eq(identities.userId, userId),
        'identityId' in removing ? ne(identities.id, removing.identityId) : undefined,
      ),
    );
  return or(sql`exists ${password}`, sql`exists ${keys}`, sql`exists ${linked}`)!;
}
