import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR, statementsOf } from '../../scripts/libsql-migrate.mjs';
import { freshClient } from './libsql-db';

const migrationFiles = readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith('.sql'))
  .sort();

const tablesOf = async (client: ReturnType<typeof freshClient>['client']) =>
  (
    await client.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
  ).rows.map((r) => r.name);

describe('npm run db:migrate:libsql (scripts/libsql-migrate.mjs)', () => {
  it('applies every migration in order and records each; a second run is a no-op', async () => {
    const { client } = freshClient();
    expect(await applyMigrations(client)).toEqual(migrationFiles);
    const recorded = await client.execute('SELECT name FROM __migrations ORDER BY id');
    expect(recorded.rows.map((r) => r.name)).toEqual(migrationFiles);
    const tables = await tablesOf(client);
    const roles = await client.execute('SELECT count(*) AS n FROM roles');

    expect(await applyMigrations(client)).toEqual([]);
    expect((await client.execute('SELECT count(*) AS n FROM __migrations')).rows[0]?.n).toBe(
      migrationFiles.length,
    );
    expect(await tablesOf(client)).toEqual(tables);
    // The seed migration did not run twice.
    expect((await client.execute('SELECT count(*) AS n FROM roles')).rows[0]?.n).toBe(
      roles.rows[0]?.n,
    );
  });

  it('leaves a failing migration neither half-applied nor recorded', async () => {
    const { client, dir } = freshClient();
    const migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '0000_ok.sql'), 'CREATE TABLE a (id integer);');
    writeFileSync(
      join(migrations, '0001_bad.sql'),
      'CREATE TABLE b (id integer);\n--> statement-breakpoint\nINSERT INTO missing VALUES (1);',
    );
    await expect(applyMigrations(client, migrations)).rejects.toThrow(/no such table: missing/);
    expect(await tablesOf(client)).toEqual(expect.arrayContaining(['__migrations', 'a']));
    expect(await tablesOf(client)).not.toContain('b');
    const recorded = await client.execute('SELECT name FROM __migrations');
    expect(recorded.rows.map((r) => r.name)).toEqual(['0000_ok.sql']);
  });

  it("splits on drizzle-kit's breakpoints and drops comment-only chunks", () => {
    expect(
      statementsOf(
        '-- seed\nINSERT INTO t VALUES (1);--> statement-breakpoint\n\n-- only a note\n',
      ),
    ).toEqual(['-- seed\nINSERT INTO t VALUES (1);']);
  });
});
