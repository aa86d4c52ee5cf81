// `npm run deploy [-- wrangler deploy flags]`: refuses to deploy what would not run safely,
// then runs `wrangler deploy`. It checks the vars as wrangler would upload them (wrangler.toml
// plus any --var NAME:VALUE given here) with the worker's own config schema, which refuses
// development values outside development, and that the D1 id is not the committed placeholder.
// The worker checks the same vars again at run time (503 and /health say why).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { unstable_readConfig } from 'wrangler';

/**
 * The worker's config schema, loaded the way the worker is built: esbuild bundles
 * src/config.ts (TypeScript, extensionless imports, package exports) into one ES module in a
 * temporary folder, which Node then imports. Node's own type stripping cannot load src/.
 */
async function loadConfigModule() {
  const dir = mkdtempSync(join(tmpdir(), 'edge-auth-deploy-'));
  const outfile = join(dir, 'config.mjs');
  try {
    await build({
      entryPoints: [fileURLToPath(new URL('../src/config.ts', import.meta.url))],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
const envFlag = args.indexOf('--env');
const config = unstable_readConfig({
  config: 'wrangler.toml',
  env: envFlag >= 0 ? args[envFlag + 1] : undefined,
});
const vars = { ...config.vars };
args.forEach((arg, i) => {
  if (arg === '--var' && args[i + 1]) {
    const [name, ...value] = args[i + 1].split(':');
    vars[name] = value.join(':');
  }
});

const problems = [];
const { VarsSchema } = await loadConfigModule();
const parsed = VarsSchema.safeParse(vars);
if (!parsed.success) {
  // One line per var, with every reason the schema gives for it.
  const byVar = new Map();
  for (const issue of parsed.error.issues) {
    const name = issue.path.join('.');
    byVar.set(name, [...(byVar.get(name) ?? []), issue.message]);
  }
  for (const [name, messages] of byVar) problems.push(`${name}: ${messages.join('; ')}`);
}
for (const db of config.d1_databases) {
  if (!db.database_id || /^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(db.database_id)) {
    problems.push(
      `d1_databases ${db.binding}: set database_id to the id of \`wrangler d1 create\``,
    );
  }
}
if (problems.length) {
  console.error('Not deploying: the configuration would not run safely in production.');
  for (const p of problems) console.error(`  - ${p}`);
  console.error('docs/deploying.md lists every value to set.');
  process.exit(1);
}
const { status } = spawnSync('wrangler', ['deploy', ...args], { stdio: 'inherit' });
process.exit(status ?? 1);
