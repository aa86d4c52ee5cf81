/**
 * A libSQL server for the workerd tests, at the network edge like the email and SMS fakes: no
 * sqld can be installed here, so this answers the Hrana-over-HTTP pipeline (`POST /v2/pipeline`,
 * what `@libsql/client/http` and `/web` speak over HTTP by default) and runs every statement on the real libSQL
 * engine, `@libsql/client` on a `file:` database in Node, migrated by the same script as
 * production. The worker's libSQL client, drizzle and the query layer run unchanged.
 *
 * Scope: what the HTTP client sends for `execute` and `batch` (execute, batch with step
 * conditions, store_sql/close_sql, close), each pipeline on its own stream (no baton). A batch's
 * BEGIN/COMMIT/ROLLBACK steps map to a libSQL transaction, so a failing step rolls back as a
 * server would. One database serves the whole run: tests use unique emails.
 */
import {
  createClient,
  type Client,
  type InValue,
  type ResultSet,
  type Transaction,
} from '@libsql/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyMigrations } from '../scripts/libsql-migrate.mjs';
import { FAKE_LIBSQL_ENV } from './fake-libsql-env.ts';

type Value =
  | { type: 'null' }
  | { type: 'integer'; value: string }
  | { type: 'float'; value: number }
  | { type: 'text'; value: string }
  | { type: 'blob'; base64: string };
type Stmt = { sql?: string; sql_id?: number; args?: Value[]; named_args?: unknown[] };
type Cond =
  | { type: 'ok' | 'error'; step: number }
  | { type: 'not'; cond: Cond }
  | { type: 'and' | 'or'; conds: Cond[] }
  | { type: 'is_autocommit' };
type Request =
  | { type: 'execute'; stmt: Stmt }
  | { type: 'batch'; batch: { steps: { condition?: Cond | null; stmt: Stmt }[] } }
  | { type: 'store_sql'; sql_id: number; sql: string }
  | { type: 'close_sql'; sql_id: number }
  | { type: 'close' };

let database: Promise<Client> | undefined;

function open(): Promise<Client> {
  database ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-auth-fake-libsql-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const client = createClient({ url: pathToFileURL(join(dir, 'auth.db')).href });
    await applyMigrations(client);
    return client;
  })();
  return database;
}

function fromHrana(v: Value): InValue {
  switch (v.type) {
    case 'null':
      return null;
    case 'integer': {
      const n = BigInt(v.value);
      return n >= Number.MIN_SAFE_INTEGER && n <= Number.MAX_SAFE_INTEGER ? Number(n) : n;
    }
    case 'float':
      return v.value;
    case 'text':
      return v.value;
    case 'blob':
      return Buffer.from(v.base64, 'base64');
  }
}

function toHrana(v: unknown): Value {
  if (v === null || v === undefined) return { type: 'null' };
  if (typeof v === 'bigint') return { type: 'integer', value: v.toString() };
  if (typeof v === 'number')
    return Number.isInteger(v)
      ? { type: 'integer', value: String(v) }
      : { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'text', value: v };
  if (v instanceof ArrayBuffer) return { type: 'blob', base64: Buffer.from(v).toString('base64') };
  throw new Error(`fake libSQL cannot encode ${typeof v}`);
}

const EMPTY = { cols: [], rows: [], affected_row_count: 0, last_insert_rowid: null };

function toResult(rs: ResultSet) {
  return {
    cols: rs.columns.map((name, i) => ({ name, decltype: rs.columnTypes[i] || null })),
    rows: rs.rows.map((row) => rs.columns.map((_, i) => toHrana(row[i]))),
    affected_row_count: rs.rowsAffected,
    last_insert_rowid: rs.lastInsertRowid?.toString() ?? null,
  };
}

const errorOf = (err: unknown) => ({
  message: err instanceof Error ? err.message : String(err),
  code: (err as { code?: string }).code ?? 'SQLITE_ERROR',
});

/** One stream: its stored SQL texts and the transaction a batch's BEGIN opened. */
class Stream {
  sqls = new Map<number, string>();
  tx: Transaction | undefined;
  constructor(private client: Client) {}

  private sqlOf(stmt: Stmt) {
    if (stmt.named_args?.length) throw new Error('fake libSQL: named arguments are not supported');
    const sql = stmt.sql ?? (stmt.sql_id === undefined ? undefined : this.sqls.get(stmt.sql_id));
    if (sql === undefined) throw new Error('fake libSQL: statement without SQL');
    return sql;
  }

  async execute(stmt: Stmt) {
    const sql = this.sqlOf(stmt).trim();
    const word = /^(BEGIN|COMMIT|END|ROLLBACK)\b/i.exec(sql)?.[1]?.toUpperCase();
    if (word === 'BEGIN') {
      const mode = /IMMEDIATE/i.test(sql) ? 'write' : /READONLY/i.test(sql) ? 'read' : 'deferred';
      this.tx = await this.client.transaction(mode);
      return EMPTY;
    }
    if (word === 'COMMIT' || word === 'END' || word === 'ROLLBACK') {
      const tx = this.tx;
      this.tx = undefined;
      if (!tx) throw new Error('cannot commit - no transaction is active');
      await (word === 'ROLLBACK' ? tx.rollback() : tx.commit());
      tx.close();
      return EMPTY;
    }
    const args = (stmt.args ?? []).map(fromHrana);
    return toResult(await (this.tx ?? this.client).execute({ sql, args }));
  }

  async batch(steps: { condition?: Cond | null; stmt: Stmt }[]) {
    const results: (ReturnType<typeof toResult> | null)[] = [];
    const errors: (ReturnType<typeof errorOf> | null)[] = [];
    const holds = (c: Cond): boolean => {
      switch (c.type) {
        case 'ok':
          return results[c.step] != null;
        case 'error':
          return errors[c.step] != null;
        case 'not':
          return !holds(c.cond);
        case 'and':
          return c.conds.every(holds);
        case 'or':
          return c.conds.some(holds);
        case 'is_autocommit':
          return this.tx === undefined;
      }
    };
    for (const [i, step] of steps.entries()) {
      results[i] = null;
      errors[i] = null;
      if (step.condition && !holds(step.condition)) continue;
      try {
        results[i] = await this.execute(step.stmt);
      } catch (err) {
        errors[i] = errorOf(err);
      }
    }
    return { step_results: results, step_errors: errors };
  }

  async handle(r: Request) {
    switch (r.type) {
      case 'execute':
        return { type: 'execute', result: await this.execute(r.stmt) };
      case 'batch':
        return { type: 'batch', result: await this.batch(r.batch.steps) };
      case 'store_sql':
        this.sqls.set(r.sql_id, r.sql);
        return { type: 'store_sql' };
      case 'close_sql':
        this.sqls.delete(r.sql_id);
        return { type: 'close_sql' };
      case 'close':
        await this.close();
        return { type: 'close' };
    }
  }

  async close() {
    // A stream closed inside a transaction rolls it back, as sqld does.
    const tx = this.tx;
    this.tx = undefined;
    if (tx) {
      await tx.rollback().catch(() => undefined);
      tx.close();
    }
  }
}

export async function fakeLibsql(request: globalThis.Request): Promise<Response> {
  const url = new URL(request.url);
  // Any other token is refused, as Turso refuses it.
  if (request.headers.get('Authorization') !== `Bearer ${FAKE_LIBSQL_ENV.LIBSQL_AUTH_TOKEN}`)
    return new Response('Unauthorized', { status: 401 });
  if (request.method !== 'POST' || url.pathname !== '/v2/pipeline')
    return new Response('Not found', { status: 404 });
  const body = await request.json<{ baton: string | null; requests: Request[] }>();
  if (body.baton != null) return new Response('fake libSQL keeps no streams', { status: 400 });
  const stream = new Stream(await open());
  const results = [];
  for (const r of body.requests) {
    try {
      results.push({ type: 'ok', response: await stream.handle(r) });
    } catch (err) {
      results.push({ type: 'error', error: errorOf(err) });
    }
  }
  await stream.close();
  return Response.json({ baton: null, base_url: null, results });
}
