// The peer of `npm run bench`: Better Auth with email + password on Node 22's http server and
// Node's built-in SQLite (node:sqlite; better-sqlite3 needs a native build, which is not possible
// offline). Defaults otherwise (scrypt password hashing, sessions read from the database on every
// get-session), except: no rate limiting and no sign-in on sign-up, so that sign-up does what the
// worker's POST /auth/register does, and the worker under test has no per-request limiter to trip
// either in these scenarios.
//
// Run by bench/lib/peer.mjs: PORT and DB_PATH come from the environment; prints one JSON line
// `{"ready":true,"port":N}` on stdout once it listens.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';

const port = Number(process.env.PORT);
const baseURL = `http://127.0.0.1:${port}`;
const database = new DatabaseSync(process.env.DB_PATH ?? ':memory:');
// What a production SQLite deployment would set: concurrent readers while one writer commits.
database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');

const options = {
  appName: 'bench-peer',
  baseURL,
  secret: randomBytes(32).toString('base64'),
  database,
  emailAndPassword: { enabled: true, autoSignIn: false },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { disabled: true },
};

const { runMigrations } = await getMigrations(options);
await runMigrations();
const auth = betterAuth(options);

const server = createServer(toNodeHandler(auth));
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
