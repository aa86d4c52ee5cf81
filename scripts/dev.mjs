// `npm run dev [-- wrangler dev flags]`: generates .dev.vars on first use, applies the D1
// migrations to the local database, then serves the worker with wrangler dev (port 8787 unless
// --port is given). Everything runs on the Node that npm put first on the PATH (node@22).
//
// The worker's own origin (http://localhost:<port>) is its JWT_ISSUER and APP_URL unless
// .dev.vars sets other values: so every link an email carries (reset, verification,
// invitation) opens a hosted page of this very server, whatever --port says.
// --persist-to (a local state folder) applies to the migrations too.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { DEVELOPMENT_VARS } from './dev-values.mjs';

// npm runs scripts with node_modules/.bin first on the PATH, so `node` and `wrangler` here are
// the project's own (Node 22), whatever Node the machine has.
const run = (command, args) => {
  const { status } = spawnSync(command, args, { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
};

const args = process.argv.slice(2);
/** The value of `--name value` or `--name=value`, else undefined. */
const flag = (name) => {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].slice(name.length + 1) : args[i + 1];
};

/**
 * The origin the worker will answer on: --port, else wrangler.toml's [dev] port (8787).
 * `localhost` rather than the bound address: it is what a browser on this machine opens.
 */
const origin = `http://localhost:${flag('--port') ?? 8787}`;

/** The vars .dev.vars sets to something else than the generated development default. */
function setInDevVars() {
  const path = new URL('../.dev.vars', import.meta.url);
  if (!existsSync(path)) return new Set();
  const set = new Set();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(['"]?)(.*)\2\s*$/.exec(line);
    if (m && m[3] !== DEVELOPMENT_VARS[m[1]]) set.add(m[1]);
  }
  return set;
}

run('node', [new URL('./dev-vars.mjs', import.meta.url).pathname]);
const persist = flag('--persist-to');
run('wrangler', [
  'd1',
  'migrations',
  'apply',
  'DB',
  '--local',
  ...(persist ? ['--persist-to', persist] : []),
]);
const own = setInDevVars();
const followOrigin = ['JWT_ISSUER', 'APP_URL']
  .filter((name) => !own.has(name))
  .flatMap((name) => ['--var', `${name}:${origin}`]);
run('wrangler', ['dev', ...followOrigin, ...args]);
