import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

/** Drizzle over the D1 binding; built per request (cheap), never held at module scope. */
export const createDb = (d1: D1Database) => drizzle(d1, { schema });

export type Db = ReturnType<typeof createDb>;
