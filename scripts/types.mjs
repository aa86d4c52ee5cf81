// `npm run types [-- --check]`: the Bindings type from wrangler.toml (`wrangler types`), written
// to src/worker-configuration.d.ts. Secrets are typed in src/config.ts from its schema,
// so the output must not depend on a developer's .dev.vars: an empty env file replaces it.
// wrangler points the main module at the built bundle (dist/, not in git); the types name the
// source entry instead.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const out = 'src/worker-configuration.d.ts';
const args = [
  'types',
  out,
  '--include-runtime=false',
  '--strict-vars=false',
  '--env-file=/dev/null',
];
const check = process.argv.includes('--check');
const { status } = spawnSync('wrangler', check ? [...args, '--check'] : args, {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, WRANGLER_LOG: 'error' },
});
if (status !== 0) {
  if (check) console.error(`${out} is out of date with wrangler.toml: run npm run types`);
  process.exit(status ?? 1);
}
if (!check) {
  writeFileSync(
    out,
    readFileSync(out, 'utf8').replaceAll('import("../dist/worker")', 'import("./index")'),
  );
}
