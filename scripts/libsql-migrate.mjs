// `npm run db:migrate:libsql [-- --url URL]`: applies migrations/*.sql to a libSQL/Turso
// database, as `wrangler d1 migrations apply` does to D1. The URL is --url or LIBSQL_URL (a
// `file:` path works too), the token LIBSQL_AUTH_TOKEN. Applied files are recorded in
// `__migrations` (like wrangler's `d1_migrations`), so a second run applies nothing.
import { createClient } from '@libsql/client';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

/** The statements of a drizzle-kit migration: it separates them with a breakpoint marker. */
export function statementsOf(text) {
  return text
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter((s) => s.replace(/--[^\n]*/g, '').trim() !== '');
}

/**
 * Applies, in file-name order, every migration not yet in `__migrations`; returns the names
 * applied. Each file runs in one write transaction with its `__migrations` row, so a failing
 * statement leaves neither a half-applied file nor a record of it, and of two concurrent runs
 * the second fails on the unique name instead of applying a file twice.
 */
export async function applyMigrations(client, dir = MIGRATIONS_DIR) {
  await client.execute(
    `CREATE TABLE IF NOT EXISTS __migrations (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE,
      applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
    )`,
  );
  const done = new Set(
    (await client.execute('SELECT name FROM __migrations')).rows.map((r) => r.name),
  );
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const applied = [];
  for (const name of files) {
    if (done.has(name)) continue;
    const statements = statementsOf(await readFile(join(dir, name), 'utf8'));
    await client.batch(
      [...statements, { sql: 'INSERT INTO __migrations (name) VALUES (?)', args: [name] }],
      'write',
    );
    applied.push(name);
  }
  return applied;
}

async function main() {
  const args = process.argv.slice(2);
  const flag = args.indexOf('--url');
  const url = flag >= 0 ? args[flag + 1] : process.env.LIBSQL_URL;
  if (!url) {
    console.error('Usage: LIBSQL_URL=libsql://… LIBSQL_AUTH_TOKEN=… npm run db:migrate:libsql');
    console.error('   or: npm run db:migrate:libsql -- --url file:local.db');
    process.exit(2);
  }
  const client = createClient({ url, authToken: process.env.LIBSQL_AUTH_TOKEN || undefined });
  try {
    const applied = await applyMigrations(client);
    console.log(
      applied.length
        ? `Applied ${applied.length} migration(s): ${applied.join(', ')}`
        : 'No migrations to apply.',
    );
  } finally {
    client.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
