import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDb, databaseKind, type Db } from '../../src/db/client';
import { aggregateBatch } from '../../src/db/queries/analytics';
import { auditInsert, listAudit, type AuditEntry } from '../../src/db/queries/audit';
import { missingTables, pingDatabase } from '../../src/db/queries/health';
import { redeemBackupCode, replaceBackupCodes } from '../../src/db/queries/mfa';
import { assignRole, grantsOf, listRoles } from '../../src/db/queries/rbac';
import {
  issueOneTimeToken,
  peekOneTimeToken,
  redeemOneTimeToken,
} from '../../src/db/queries/one-time-tokens';
import { createUser, deleteUser, findUserWithRoles } from '../../src/db/queries/users';
import { analyticsEventHourly, auditEvents, profiles, userRoles, users } from '../../src/db/schema';
import { migratedDb } from './libsql-db';

// The query layer of src/db/queries, unchanged, on the libSQL engine: what a deployment with
// LIBSQL_URL runs. The workerd project runs the same functions on D1 through the HTTP API.

let db: Db;
beforeAll(async () => {
  ({ db } = await migratedDb());
});

const entry = (userId: string | null, action: AuditEntry['action'], at = new Date()) => ({
  userId,
  action,
  ip: '192.0.2.1',
  userAgent: 'vitest',
  requestId: crypto.randomUUID(),
  at,
});

let seq = 0;
const uniqueEmail = () => `libsql-${++seq}-${crypto.randomUUID().slice(0, 8)}@example.com`;

/** A user as registration creates one: user, profile, roles and audit entry in one batch. */
async function register(over: { email?: string; username?: string; roles?: string[] } = {}) {
  const id = crypto.randomUUID();
  const email = over.email ?? uniqueEmail();
  const result = await createUser(
    db,
    { id, email, passwordHash: '$pbkdf2-sha256$i=100000$x$y', roles: over.roles ?? ['user'] },
    { username: over.username ?? null, firstName: 'Ada' },
    entry(id, 'registered'),
  );
  return { id, email, result };
}

const rowsOf = async (userId: string) => ({
  users: await db.select().from(users).where(eq(users.id, userId)),
  profiles: await db.select().from(profiles).where(eq(profiles.userId, userId)),
  roles: await db.select().from(userRoles).where(eq(userRoles.userId, userId)),
  audit: await db.select().from(auditEvents).where(eq(auditEvents.userId, userId)),
});

describe('the query layer on libSQL', () => {
  it('migrations leave no table of the schema missing, and the health ping answers', async () => {
    expect(await missingTables(db)).toEqual([]);
    await expect(pingDatabase(db)).resolves.toBeUndefined();
  });

  it('registers a user with profile, roles and audit entry, read back with its roles', async () => {
    const { id, email, result } = await register({ roles: ['user', 'view'] });
    expect(result).toEqual({ ok: true });
    const rows = await rowsOf(id);
    expect(rows.users).toHaveLength(1);
    expect(rows.profiles[0]?.firstName).toBe('Ada');
    expect(rows.audit.map((a) => a.action)).toEqual(['registered']);
    const found = await findUserWithRoles(db, { email });
    expect(found?.user.id).toBe(id);
    expect(found?.roles).toEqual(['user', 'view']);
    expect(found?.user.createdAt).toBeInstanceOf(Date);
  });

  it('maps libSQL unique violations to the clashing field, leaving no row of the loser', async () => {
    const first = await register({ username: `u_${seq}_${Date.now()}` });
    const sameEmail = await register({ email: first.email });
    expect(sameEmail.result).toEqual({ ok: false, conflict: 'email' });
    const username = `taken_${Date.now()}`;
    await register({ username });
    const sameUsername = await register({ username });
    expect(sameUsername.result).toEqual({ ok: false, conflict: 'username' });
    // The profile insert failed after the user insert succeeded: the batch rolled both back.
    for (const loser of [sameEmail, sameUsername]) {
      expect(await rowsOf(loser.id)).toEqual({ users: [], profiles: [], roles: [], audit: [] });
    }
  });

  it('reads roles and grants from the seeded roles, and a granted role adds its permissions', async () => {
    const roles = await listRoles(db);
    expect(roles.map((r) => r.name)).toEqual(['admin', 'user', 'view']);
    expect(roles.find((r) => r.name === 'admin')?.permissions).toEqual(['*:*']);
    const { id } = await register();
    const before = await grantsOf(db, id);
    expect(before.roles).toEqual(['user']);
    expect(before.permissions).toContain('dashboards:read');
    expect(before.permissions).not.toContain('*:*');
    await assignRole(db, id, 'admin', entry(id, 'roles_changed'));
    const after = await grantsOf(db, id);
    expect(after.roles).toEqual(['admin', 'user']);
    expect(after.permissions).toContain('*:*');
  });

  it('redeems a one-time token once: the change, the granted role and the audit entry', async () => {
    const { id } = await register();
    const tokenHash = crypto.randomUUID();
    const now = new Date();
    await issueOneTimeToken(db, {
      userId: id,
      purpose: 'admin_grant',
      tokenHash,
      ttlMs: 60_000,
      now,
    });
    expect(await peekOneTimeToken(db, ['admin_grant'], tokenHash, now)).toEqual({
      userId: id,
      purpose: 'admin_grant',
    });
    const redeem = () =>
      redeemOneTimeToken(
        db,
        {
          purpose: 'admin_grant',
          tokenHash,
          userId: id,
          change: { emailVerifiedAt: now },
          grantRoles: ['admin'],
        },
        entry(id, 'email_verified', now),
      );
    expect(await redeem()).toBe(true);
    expect(await redeem()).toBe(false);
    expect(await peekOneTimeToken(db, ['admin_grant'], tokenHash, now)).toBeNull();
    const rows = await rowsOf(id);
    expect(rows.users[0]?.emailVerifiedAt?.getTime()).toBe(now.getTime());
    expect(rows.roles.map((r) => r.role).sort()).toEqual(['admin', 'user']);
    expect(rows.audit.filter((a) => a.action === 'email_verified')).toHaveLength(1);
  });

  it('refuses an expired one-time token', async () => {
    const { id } = await register();
    const tokenHash = crypto.randomUUID();
    const issued = new Date(Date.now() - 120_000);
    await issueOneTimeToken(db, {
      userId: id,
      purpose: 'password_reset',
      tokenHash,
      ttlMs: 60_000,
      now: issued,
    });
    expect(await peekOneTimeToken(db, ['password_reset'], tokenHash, new Date())).toBeNull();
    const won = await redeemOneTimeToken(
      db,
      { purpose: 'password_reset', tokenHash, userId: id, change: { passwordHash: 'new' } },
      entry(id, 'password_reset'),
    );
    expect(won).toBe(false);
    expect((await rowsOf(id)).users[0]?.passwordHash).not.toBe('new');
  });

  it('lists audit entries newest first, a page at a time', async () => {
    const { id } = await register();
    const base = Date.now();
    for (const [i, action] of (
      ['login_succeeded', 'logout', 'password_changed'] as const
    ).entries())
      await auditInsert(db, entry(id, action, new Date(base + (i + 1) * 1000)));
    const first = await listAudit(db, id, 2);
    expect(first.map((e) => e.action)).toEqual(['password_changed', 'logout']);
    const last = first.at(-1)!;
    const next = await listAudit(db, id, 2, { at: last.createdAt.getTime(), id: last.id });
    expect(next.map((e) => e.action)).toEqual(['login_succeeded', 'registered']);
    expect(next[0]?.metadata).toEqual({});
  });

  it('redeems a backup code once, also when two redemptions race, and a new set kills the old', async () => {
    const { id } = await register();
    await replaceBackupCodes(db, id, ['h1', 'h2'], new Date());
    const race = await Promise.all([
      redeemBackupCode(db, id, ['h1'], new Date()),
      redeemBackupCode(db, id, ['h1'], new Date()),
    ]);
    expect(race.filter(Boolean)).toHaveLength(1);
    expect(await redeemBackupCode(db, id, ['h1'], new Date())).toBe(false);
    await replaceBackupCodes(db, id, ['h3'], new Date());
    expect(await redeemBackupCode(db, id, ['h2'], new Date())).toBe(false);
    expect(await redeemBackupCode(db, id, ['h3'], new Date())).toBe(true);
  });

  it('rolls back a whole batch whose last statement fails', async () => {
    const existing = await register();
    const id = crypto.randomUUID();
    const now = new Date();
    const failing = db.batch([
      db
        .insert(users)
        .values({ id, email: uniqueEmail(), passwordHash: 'x', createdAt: now, updatedAt: now }),
      db.insert(profiles).values({ userId: id, updatedAt: now }),
      auditInsert(db, entry(id, 'registered')),
      // Violates users_email_unique: fails only when it runs, after the three above did.
      db
        .insert(users)
        .values({ id: crypto.randomUUID(), email: existing.email, passwordHash: 'x' }),
    ]);
    await expect(failing).rejects.toThrow(/UNIQUE constraint failed: users\.email/);
    expect(await rowsOf(id)).toEqual({ users: [], profiles: [], roles: [], audit: [] });
  });

  it('aggregates an analytics batch atomically, and a redelivered event counts once', async () => {
    const orgId = crypto.randomUUID();
    const at = Date.now();
    const row = (eventId: string) => ({
      eventId,
      kind: 'event' as const,
      name: 'report_exported',
      userId: null,
      orgId,
      occurredAt: at,
      receivedAt: at,
    });
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    await aggregateBatch(db, 'batch-1', [row(a), row(b)], 0);
    await aggregateBatch(db, 'batch-2', [row(a)], 0);
    const counts = await db
      .select({ count: analyticsEventHourly.count })
      .from(analyticsEventHourly)
      .where(eq(analyticsEventHourly.orgId, orgId));
    expect(counts).toEqual([{ count: 2 }]);
  });

  it('deletes a user with its profile and roles by cascade, keeping the audit trail', async () => {
    const { id } = await register();
    await deleteUser(db, id, entry(id, 'deleted'));
    const rows = await rowsOf(id);
    expect(rows.users).toEqual([]);
    expect(rows.profiles).toEqual([]);
    expect(rows.roles).toEqual([]);
    expect(rows.audit.map((a) => a.action).sort()).toEqual(['deleted', 'registered']);
  });
});

describe('createDb', () => {
  it('selects libSQL when LIBSQL_URL is set, one handle per URL and token', () => {
    const env = { LIBSQL_URL: 'https://edge-auth.example.turso.io', LIBSQL_AUTH_TOKEN: 't1' };
    expect(databaseKind(env)).toBe('libsql');
    expect(databaseKind({ LIBSQL_URL: '' })).toBe('d1');
    const db = createDb(env);
    expect(createDb({ ...env })).toBe(db);
    expect(createDb({ ...env, LIBSQL_AUTH_TOKEN: 't2' })).not.toBe(db);
  });

  it('refuses a URL scheme the HTTP client cannot speak (ws:, file:), and no database at all', () => {
    expect(() => createDb({ LIBSQL_URL: 'file:/tmp/x.db' })).toThrow(/URL/);
    expect(() => createDb({ LIBSQL_URL: 'wss://edge-auth.example.turso.io' })).toThrow(/URL/);
    expect(databaseKind({ LIBSQL_URL: 'libsql://edge-auth.example.turso.io' })).toBe('libsql');
    expect(() => createDb({ LIBSQL_URL: 'libsql://edge-auth.example.turso.io' })).not.toThrow();
    expect(() => createDb({})).toThrow(/no database/);
  });
});
