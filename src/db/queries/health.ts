import { getTableName, sql } from 'drizzle-orm';
import type { Db } from '../client';
import * as schema from '../schema';

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
