import type { Client, ResultSet } from '@libsql/client';
import { createClient } from '@libsql/client/http';
import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import { drizzle as drizzleD1 } from 'drizzle-orm/d1';
import { drizzle as drizzleLibsql } from 'drizzle-orm/libsql/http';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import * as schema from './schema';

/**
 * The query layer's handle, satisfied by drizzle over D1 and over libSQL: both are drizzle's
 * async SQLite database with the same `batch`, so every query in db/queries runs on either.
 *
 * Batches are atomic on both, which every multi-statement write relies on (neither offers
 * BEGIN through drizzle here): D1 runs a batch as one implicit transaction, rolled back when a
 * statement fails; libSQL's `batch` wraps the statements in BEGIN … COMMIT, runs each only if
 * the previous one succeeded and rolls back otherwise. Drizzle passes no transaction mode, so
 * libSQL uses `deferred`: the write lock is taken by the first writing statement (the guarded
 * UPDATEs come first in their batches), and read-only batches such as login's user-and-roles
 * read do not queue behind writers as `write` (BEGIN IMMEDIATE) would make them.
 */
export type Db = BaseSQLiteDatabase<'async', D1Result | ResultSet, typeof schema> & {
  batch<U extends BatchItem<'sqlite'>, T extends Readonly<[U, ...U[]]>>(
    batch: T,
  ): Promise<BatchResponse<T>>;
};

export type DatabaseKind = 'd1' | 'libsql';

/**
 * The bindings that name the database. Declared here rather than taken from src/config.ts:
 * the storage layer imports nothing above it.
 */
export interface DatabaseBindings {
  DB?: D1Database;
  /** A libSQL/Turso URL; when set, it is the database and `DB` is never touched. */
  LIBSQL_URL?: string;
  LIBSQL_AUTH_TOKEN?: string;
}

/** Which database the bindings select: libSQL when a URL is configured, D1 otherwise. */
export const databaseKind = (env: DatabaseBindings): DatabaseKind =>
  env.LIBSQL_URL ? 'libsql' : 'd1';

/** Drizzle over any libSQL client: the Worker's HTTP client, or a `file:` database in Node tests. */
export const libsqlDb = (client: Client): Db => drizzleLibsql(client, { schema });

// Building drizzle walks the whole schema (measured: ~5% of a trivial request's CPU), so the
// handle is kept per D1 binding object (the runtime hands every request of an isolate the same
// one) and per libSQL URL and token (the HTTP client holds no connection, one fetch per call,
// so one client serves every request of the isolate). The client is `@libsql/client/http`, the
// web-standard HTTP half of `@libsql/client/web` without its WebSocket client, which a Worker
// could not keep across requests anyway (~6 KB gzipped less in the bundle).
const d1Cache = new WeakMap<D1Database, Db>();
const libsqlCache = new Map<string, Db>();

/**
 * Drizzle over the configured database, built once per binding or URL; never a module-level
 * handle. Throws when `LIBSQL_URL` is not a URL the HTTP client speaks, which config validation
 * refuses first.
 */
export function createDb(env: DatabaseBindings): Db {
  if (databaseKind(env) === 'libsql') {
    const url = env.LIBSQL_URL!;
    const authToken = env.LIBSQL_AUTH_TOKEN || undefined;
    const key = `${url}\n${authToken ?? ''}`;
    let db = libsqlCache.get(key);
    if (!db) libsqlCache.set(key, (db = libsqlDb(createClient({ url, authToken }))));
    return db;
  }
  const d1 = env.DB;
  if (!d1) throw new Error('no database: neither LIBSQL_URL nor the D1 binding DB is set');
  let db = d1Cache.get(d1);
  if (!db) d1Cache.set(d1, (db = drizzleD1(d1, { schema })));
  return db;
}

/** A statement as SQL text and its positional parameters. */
export interface RawStatement {
  sql: string;
  params: unknown[];
}

/**
 * Runs statements drizzle has no builder for (INSERT … SELECT … ON CONFLICT) as one atomic batch
 * on whichever database `db` is over: D1's batch, or libSQL's batch in `write` mode; both are
 * one transaction. Drizzle's own batch cannot carry them on D1.
 */
export async function rawBatch(db: Db, statements: RawStatement[]): Promise<void> {
  const client = (db as unknown as { $client: D1Database | Client }).$client;
  if ('prepare' in client) {
    await client.batch(statements.map((s) => client.prepare(s.sql).bind(...s.params)));
  } else {
    await client.batch(
      statements.map((s) => ({ sql: s.sql, args: s.params as never })),
      'write',
    );
  }
}
