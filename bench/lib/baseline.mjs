// `npm run bench -- --baseline=<git ref>` (issue 23): the worker at that ref, built in a temporary
// git worktree, started beside the current one, and measured with the same scenarios in the
// same run, interleaved (run.mjs), so both see the same machine and the same load.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildWorker } from './build.mjs';
import { ROOT, readWorkerConfig } from './runtime.mjs';

const git = (args, cwd = ROOT) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/**
 * Checks out `ref` into `<tmp>/baseline` (a detached worktree, removed by the registered
 * cleanup), installs its dependencies (a symlink to this checkout's node_modules when the two
 * lockfiles are the same, `npm ci` otherwise), builds it as it would deploy and reads its
 * wrangler.toml. Returns what startWorker needs for it.
 */
export async function prepareBaseline({ ref, tmp, register, log }) {
  const sha = git(['rev-parse', '--verify', `${ref}^{commit}`]);
  const dir = join(tmp, 'baseline');
  git(['worktree', 'add', '--detach', dir, sha]);
  const remove = () => {
    try {
      git(['worktree', 'remove', '--force', dir]);
    } catch {
      git(['worktree', 'prune']);
    }
  };
  register(async () => remove(), remove);
  const lock = (root) => readFileSync(join(root, 'package-lock.json'), 'utf8');
  if (lock(dir) === lock(ROOT)) {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    log(`baseline ${ref} (${sha.slice(0, 7)}): same lockfile, node_modules shared`);
  } else {
    log(`baseline ${ref} (${sha.slice(0, 7)}): its own lockfile, npm ci (slow) ...`);
    const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: dir,
      encoding: 'utf8',
      // Node 22 first on the PATH, for install scripts and the build command wrangler runs.
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (npm.status !== 0) throw new Error(`npm ci at ${ref} failed:\n${npm.stderr.slice(-2000)}`);
  }
  const outdir = join(tmp, 'baseline-dist');
  const bundle = buildWorker(outdir, dir);
  const wc = await readWorkerConfig(dir);
  // Its own secrets generator when it has one: the names its config validates.
  const script = join(dir, 'scripts/secrets.mjs');
  const secretsOf = existsSync(script)
    ? (await import(pathToFileURL(script).href)).generateSecrets
    : undefined;
  const { path: _path, ...sizes } = bundle;
  return { ref, sha, dir, outdir, wc, secretsOf, bundle: sizes };
}

const median = (xs) => {
  const v = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

/**
 * new / baseline per scenario row: the ratio of the medians, and its range over the paired
 * repetitions (repetition i of each ran back to back, so a slow spell of the machine lands on
 * both). Rows without a baseline counterpart (the peer, failures) are left out.
 */
export function compareRows(current, baseline, fields = ['cpuMsPerReq', 'rps', 'p50']) {
  const out = [];
  for (const row of current) {
    const base = baseline.find((b) => b.id === row.id && b.concurrency === row.concurrency);
    if (!base) continue;
    const entry = {
      id: row.id,
      label: row.label,
      concurrency: row.concurrency,
      target: row.target,
    };
    for (const f of fields) {
      const pairs = row.reps
        .map((r, i) => [r[f], base.reps[i]?.[f]])
        .filter(([a, b]) => typeof a === 'number' && typeof b === 'number' && b > 0);
      const ratios = pairs.map(([a, b]) => a / b);
      entry[f] = {
        current: row[f],
        baseline: base[f],
        ratio: row[f] !== null && base[f] ? row[f] / base[f] : null,
        pairedMedian: median(ratios),
        range: ratios.length ? [Math.min(...ratios), Math.max(...ratios)] : null,
      };
    }
    out.push(entry);
  }
  return out;
}
