// `npm run dev [-- wrangler dev flags]`: generates .dev.vars on first use, applies the D1
// migrations to the local database, then serves the worker with wrangler dev (port 8787 unless
// --port is given). Everything runs on the Node that npm put first on the PATH (node@22).
import { spawnSync } from 'node:child_process';

// npm runs scripts with node_modules/.bin first on the PATH, so `node` and `wrangler` here are
// the project's own (Node 22), whatever Node the machine has.
const run = (command, args) => {
  const { status } = spawnSync(command, args, { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
};

run('node', [new URL('./dev-vars.mjs', import.meta.url).pathname]);
run('wrangler', ['d1', 'migrations', 'apply', 'DB', '--local']);
run('wrangler', ['dev', ...process.argv.slice(2)]);
