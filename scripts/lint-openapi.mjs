// `npm run lint:openapi`: lints the OpenAPI document the worker serves with Redocly
// (recommended, redocly.yaml) and Spectral (spectral:oas, .spectral.yaml), and fails on any
// problem, warnings included: a rule the document breaks on purpose is switched off in the
// ruleset, with the reason. The document comes from test/openapi.test.ts, which fetches
// /openapi.json inside workerd (scripts/openapi-dump-reporter.mjs writes it): no network, no
// server, the same code as production. Runs on the Node that npm put first on the PATH.
// Then checks that the typed client (client/api.d.ts) was generated from this same document;
// `--write-client` (npm run client:types) regenerates it instead.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { DOCUMENT } from './openapi-dump-reporter.mjs';

const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (result.error) throw result.error;
  return result;
};

rmSync(DOCUMENT, { force: true });
const dump = run(
  'vitest',
  [
    'run',
    'test/openapi.test.ts',
    '--reporter=dot',
    '--reporter=./scripts/openapi-dump-reporter.mjs',
  ],
  { stdio: 'inherit' },
);
if (dump.status !== 0 || !existsSync(DOCUMENT)) {
  console.error('lint:openapi: could not record the served document (test/openapi.test.ts)');
  process.exit(1);
}

const redocly = run('redocly', ['lint', DOCUMENT, '--format=json'], {
  env: { ...process.env, REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' },
});
const redoclyProblems = JSON.parse(redocly.stdout).problems.map(
  (p) => `${p.severity} ${p.ruleId} ${p.location?.[0]?.pointer ?? ''}: ${p.message}`,
);

// Spectral's JSON severities: 0 error, 1 warning, 2 information, 3 hint.
const SEVERITY = ['error', 'warn', 'info', 'hint'];
const spectral = run('spectral', [
  'lint',
  DOCUMENT,
  '--ruleset=.spectral.yaml',
  '--format=json',
  '--quiet',
]);
const spectralProblems = JSON.parse(spectral.stdout || '[]').map(
  (p) => `${SEVERITY[p.severity]} ${p.code} ${p.path.join('.')}: ${p.message}`,
);

let failed = false;
for (const [name, problems] of [
  ['redocly (recommended)', redoclyProblems],
  ['spectral (spectral:oas)', spectralProblems],
]) {
  for (const problem of problems) console.error(`  ${problem}`);
  const count = (severity) => problems.filter((p) => p.startsWith(`${severity} `)).length;
  console.log(
    `${name}: ${count('error')} errors, ${count('warn')} warnings, ${problems.length} problems`,
  );
  failed ||= problems.length > 0;
}
if (redocly.status !== 0 && redoclyProblems.length === 0) failed = true;

// The typed client (client/) must describe this same document.
const client = run(
  'node',
  [
    'client/generate.mjs',
    DOCUMENT,
    ...(process.argv.includes('--write-client') ? [] : ['--check']),
  ],
  { stdio: 'inherit' },
);
failed ||= client.status !== 0;
process.exit(failed ? 1 : 0);
