import { getTableName, sql } from 'drizzle-orm';
import journal from '../../../migrations/meta/_journal.json';
import type { Db, DatabaseKind } from '../client';
import * as schema from '../schema';

/**
 * Every migration of this build, by the name the migration tools record (`0000_init.sql`):
 * drizzle-kit's journal lists migrations/ in order, and the bundle carries it, so the worker
 * knows which migrations its code expects without reading the folder.
 */
const MIGRATIONS = journal.entries.map((e) => `${e.tag}.sql`);

/** Where applied migrations are recorded: wrangler's table on D1, libsql-migrate.mjs's on libSQL. */
const MIGRATIONS_TABLE: Record<DatabaseKind, string> = {
  d1: 'd1_migrations',
  libsql: '__migrations',
};

const tables = Object.values(schema)
  .filter((t) => typeof t === 'object' && t !== null && Symbol.for('drizzle:IsDrizzleTable') in t)
  .map((t) => getTableName(t as Parameters<typeof getTableName>[0]));

/** A round trip to the database. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.run(sql`select 1`);
}

/** Tables of the drizzle schema that the database lacks: non-empty means migrations are missing. */
export async function missingTables(db: Db): Promise<string[]> {
  const rows = await db.all<{ name: string }>(
    sql`select name from sqlite_master where type = 'table'`,
  );
  const present = new Set(rows.map((r) => r.name));
  return tables.filter((t) => !present.has(t));
}

/**
 * Migrations of this build the database has not recorded as applied, in order: a database
 * that has every table can still lack a later column or seed (a partial `migrations apply`).
 */
export async function pendingMigrations(db: Db, kind: DatabaseKind): Promise<string[]> {
  const table = MIGRATIONS_TABLE[kind];
  const [found] = await db.all<{ name: string }>(
    sql`select name from sqlite_master where type = 'table' and name = ${table}`,
  );
  if (!found) return MIGRATIONS;
  const rows = await db.all<{ name: string }>(sql`select name from ${sql.identifier(table)}`);
  const applied = new Set(rows.map((r) => r.name));
  return MIGRATIONS.filter((name) => !applied.has(name));
}
