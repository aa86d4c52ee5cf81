// The peer of `npm run bench`: Better Auth with email + password on Node 22's http server and
// Node's built-in SQLite (node:sqlite; better-sqlite3 needs a native build, which is not possible
// offline). Defaults otherwise (scrypt password hashing, sessions read from the database on every
// get-session), except two:
// - its rate limiter off. Better Auth turns it on by default only when NODE_ENV=production, and
//   then allows 3 sign-ins or sign-ups per 10 s per client IP (100 requests per 10 s on other
//   routes); every bench request comes from 127.0.0.1, so it would refuse nearly all of them.
//   The worker's per-IP limits do run, but each simulated client sends 20 requests, below them.
// - no sign-in on sign-up (autoSignIn: false), so that sign-up does what the worker's
//   POST /auth/register does.
//
// Run by bench/lib/peer.mjs: PORT and DB_PATH come from the environment; prints one JSON line
// `{"ready":true,"port":N,"settings":{...}}` on stdout once it listens (the options that differ
// from Better Auth's defaults, as passed, and NODE_ENV), which the bench records.
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
  const settings = {
    emailAndPassword: options.emailAndPassword,
    rateLimit: options.rateLimit,
    nodeEnv: process.env.NODE_ENV ?? null,
  };
  process.stdout.write(`${JSON.stringify({ ready: true, port, settings })}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
