// `npm run admin -- grant EMAIL [--remote]`: the operator's way to make an account an admin.
// It prints a single-use link (24 h) for the address's owner: opening it sets the account's
// password, ends every session of the account, and only then grants the admin role
// (scripts/admin-grant.mjs says why). Without --remote it writes the local D1 of `npm run dev`
// (`--persist-to DIR` when that server was started with one, as scripts/tour.sh's test does).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminGrantStatements, canonicalAdminEmail } from './admin-grant.mjs';

const [command, email, ...flags] = process.argv.slice(2);
if (command !== 'grant' || !email) {
  console.error(
    'usage: npm run admin -- grant EMAIL [--remote | --persist-to DIR] [--app-url https://app.example.com]',
  );
  process.exit(2);
}
const remote = flags.includes('--remote');
const persistFlag = flags.indexOf('--persist-to');
const persist = !remote && persistFlag >= 0 ? flags[persistFlag + 1] : undefined;
const appUrlFlag = flags.indexOf('--app-url');
const appUrl =
  appUrlFlag >= 0 ? flags[appUrlFlag + 1] : remote ? undefined : 'http://localhost:3000';

let grant;
try {
  grant = await adminGrantStatements(email);
} catch (err) {
  console.error(String(err instanceof Error ? err.message : err));
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'edge-auth-admin-'));
const file = join(dir, 'grant.sql');
writeFileSync(file, `${grant.statements.join(';\n')};\n`, { mode: 0o600 });
const { status } = spawnSync(
  'wrangler',
  [
    'd1',
    'execute',
    'DB',
    remote ? '--remote' : '--local',
    ...(persist ? ['--persist-to', persist] : []),
    '--file',
    file,
    '--yes',
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
rmSync(dir, { recursive: true, force: true });
if (status !== 0) process.exit(status ?? 1);

const link = appUrl ? `${appUrl.replace(/\/$/, '')}/reset-password?token=${grant.token}` : null;
console.log(`Admin grant for ${canonicalAdminEmail(email)} is ready (single use, valid 24 hours).`);
console.log('Hand it to the address owner yourself; it sets the password, then grants admin:');
console.log(link ?? `  token: ${grant.token}  (your APP_URL/reset-password?token=…)`);
console.log(
  `Or redeem it directly: POST /auth/reset-password {"token":"${grant.token}","new_password":"…"}`,
);
