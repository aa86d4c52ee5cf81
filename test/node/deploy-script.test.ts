// `npm run deploy` as an operator runs it on a fresh clone: it must refuse, naming every value
// to set, before wrangler is ever asked to upload. Any network use is made to fail (a proxy on a
// closed port, a bogus API token), so a regression that let it through could not deploy either.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url).href);

const deploy = (...args: string[]) =>
  spawnSync('npm', ['run', '--silent', 'deploy', '--', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      CI: 'true',
      CLOUDFLARE_API_TOKEN: 'not-a-token',
      CLOUDFLARE_ACCOUNT_ID: '00000000000000000000000000000000',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      HTTP_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '',
    },
  });

describe('npm run deploy on the committed wrangler.toml', () => {
  it('refuses, naming every value to set, with no stack trace', () => {
    const run = deploy();
    expect(run.status, run.stderr).not.toBe(0);
    expect(run.stderr).toContain('Not deploying');
    for (const name of ['JWT_ISSUER', 'APP_URL', 'EMAIL_FROM', 'd1_databases DB']) {
      expect(run.stderr).toMatch(new RegExp(`^  - ${name}: `, 'm'));
    }
    expect(run.stderr).toContain('docs/deploying.md');
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at .+:\d+:\d+|ERR_MODULE_NOT_FOUND/);
    // wrangler deploy never ran (it would print its banner or build the worker).
    expect(run.stdout).not.toMatch(/wrangler|Uploaded|building/i);
  });

  it('reads --var values as wrangler would upload them, and still refuses the placeholder D1 id', () => {
    const run = deploy(
      '--var',
      'JWT_ISSUER:https://auth.example.com',
      '--var',
      'APP_URL:https://app.example.com',
      '--var',
      'EMAIL_FROM:edge-auth <no-reply@example.com>',
    );
    expect(run.status, run.stderr).not.toBe(0);
    const problems = run.stderr.split('\n').filter((line) => line.startsWith('  - '));
    expect(problems).toEqual([
      '  - d1_databases DB: set database_id to the id of `wrangler d1 create`',
    ]);
  });

  it('refuses development values outside development', () => {
    const run = deploy(
      '--var',
      'EMAIL_PROVIDER:outbox',
      '--var',
      'JWT_ISSUER:http://localhost:8787',
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^ {2}- EMAIL_PROVIDER: /m);
    expect(run.stderr).toMatch(/^ {2}- JWT_ISSUER: .*https/m);
  });
});
