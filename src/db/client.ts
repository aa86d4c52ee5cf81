import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

const build = (d1: D1Database) => drizzle(d1, { schema });
export type Db = ReturnType<typeof build>;

// Building drizzle walks the whole schema (measured: ~5% of a trivial request's CPU), so the
// handle is kept per binding object: the runtime hands every request of an isolate the same one.
const cache = new WeakMap<D1Database, Db>();

/** Drizzle over the D1 binding, built once per binding; never a module-level handle. */
export function createDb(d1: D1Database): Db {
  let db = cache.get(d1);
  if (!db) cache.set(d1, (db = build(d1)));
  return db;
}
