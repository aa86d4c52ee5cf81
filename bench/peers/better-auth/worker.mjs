// The peer a Workers user would pick instead: Better Auth in workerd with D1 (issue 23), beside the
// Node peer (server.mjs) and with its settings: email + password, Better Auth's defaults
// otherwise (scrypt in JavaScript, sessions read from the database on every get-session), its
// rate limiter off and no sign-in on sign-up, for the same reasons as server.mjs. It needs
// `nodejs_compat` (bench/lib/peer.mjs starts it so, for this peer only: edge-auth runs without);
// D1 through Better Auth's own Kysely D1 dialect. Its tables are created on the first request
// (Better Auth's migrations), before any measured one.
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';

export const settings = {
  emailAndPassword: { enabled: true, autoSignIn: false },
  rateLimit: { enabled: false },
};

let ready;

async function start(env, origin) {
  const options = {
    appName: 'bench-peer',
    // Its own origin, which the bench learns only once it listens (loopback, a free port).
    baseURL: origin,
    secret: env.BETTER_AUTH_SECRET,
    database: env.DB,
    ...settings,
    telemetry: { enabled: false },
    logger: { disabled: true },
  };
  const { runMigrations } = await getMigrations(options);
  await runMigrations();
  return betterAuth(options);
}

export default {
  async fetch(request, env) {
    ready ??= start(env, new URL(request.url).origin);
    const auth = await ready;
    if (new URL(request.url).pathname === '/ready') return Response.json({ ready: true, settings });
    return auth.handler(request);
  },
};
