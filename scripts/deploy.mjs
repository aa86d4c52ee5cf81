// `npm run deploy [-- wrangler deploy flags]`: refuses to deploy what would not run safely,
// then runs `wrangler deploy`. It checks the vars as wrangler would upload them (wrangler.toml
// plus any --var NAME:VALUE given here) with the worker's own config schema, which refuses
// development values outside development, and that the D1 id is not the committed placeholder.
// The worker checks the same vars again at run time (503 and /health say why).
import { spawnSync } from 'node:child_process';
import { unstable_readConfig } from 'wrangler';

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
const { VarsSchema } = await import('../src/config.ts');
const parsed = VarsSchema.safeParse(vars);
if (!parsed.success) {
  for (const issue of parsed.error.issues)
    problems.push(`${issue.path.join('.')}: ${issue.message}`);
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
