import { createClient, type Client } from '@libsql/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll } from 'vitest';
import { applyMigrations } from '../../scripts/libsql-migrate.mjs';
import { libsqlDb, type Db } from '../../src/db/client';

/**
 * A fresh libSQL database file in a temp dir, removed after the test file. The real libSQL
 * engine (@libsql/client's native binding), the same migrations through the same script as
 * production, and drizzle through the same schema and `libsqlDb` as the Worker.
 */
export function freshClient(): { client: Client; url: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'edge-auth-libsql-'));
  const url = pathToFileURL(join(dir, 'auth.db')).href;
  const client = createClient({ url });
  afterAll(() => {
    client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { client, url, dir };
}

export async function migratedDb(): Promise<{ client: Client; db: Db }> {
  const { client } = freshClient();
  await applyMigrations(client);
  return { client, db: libsqlDb(client) };
}
