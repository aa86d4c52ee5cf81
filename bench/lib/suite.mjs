// The test-suite target (issue 14: "test suite ≤ 2 minutes on 2 cores"): `vitest run` from the
// repository root, as `npm test` runs it (every project of vitest.config.ts), with this Node (22),
// timed from spawn to exit. Run by bench/run.mjs when nothing else of the bench is running.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { ROOT } from './runtime.mjs';

const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');

/**
 * Runs the suite with the JSON reporter into `outfile`; resolves with wall time, counts and the
 * slowest files, or with `error` (a suite that fails or cannot start is a result, not a throw).
 * `register(stop, kill)` receives its stop, so an interrupted bench ends it (the whole process
 * group: vitest starts workerd and wrangler dev processes of its own).
 */
export async function runSuite({ outfile, register, log, timeoutMs = 15 * 60_000 }) {
  const started = performance.now();
  const loadStart = loadavg()[0];
  const child = spawn(
    process.execPath,
    [VITEST, 'run', '--reporter=json', `--outputFile=${outfile}`],
    {
      cwd: ROOT,
      // Same Node for whatever vitest spawns by name (`node`, wrangler's bin).
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-8000)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const exited = new Promise((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  const spawnError = new Promise((ok) => child.once('error', (err) => ok({ error: err })));
  const stop = async () => {
    if (!alive()) return;
    killGroup('SIGTERM');
    const timer = setTimeout(() => killGroup('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  register?.(stop, () => alive() && killGroup('SIGKILL'));
  const timer = setTimeout(() => {
    log?.(`suite: still running after ${timeoutMs / 1000} s, stopping it`);
    stop();
  }, timeoutMs);
  const outcome = await Promise.race([exited, spawnError]);
  clearTimeout(timer);
  const wallS = Math.round((performance.now() - started) / 100) / 10;
  // Other work on the machine lengthens the suite: the 1-minute load average, start → end.
  const result = {
    command: 'vitest run (npm test)',
    wallS,
    exitCode: outcome.code ?? null,
    loadavg: [loadStart, loadavg()[0]],
  };
  if (outcome.error)
    return { ...result, error: `could not start vitest: ${outcome.error.message}` };
  if (!existsSync(outfile)) {
    const tail = stderr.trim().split('\n').slice(-3).join(' | ');
    return { ...result, error: `no JSON report (exit ${outcome.code ?? outcome.signal}): ${tail}` };
  }
  try {
    const report = JSON.parse(readFileSync(outfile, 'utf8'));
    const files = (report.testResults ?? []).map((f) => ({
      file: relative(ROOT, f.name),
      seconds: Math.round((f.endTime - f.startTime) / 100) / 10,
      status: f.status,
    }));
    return {
      ...result,
      success: report.success === true && outcome.code === 0,
      total: report.numTotalTests,
      passed: report.numPassedTests,
      failed: report.numFailedTests,
      skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
      files: files.length,
      failedFiles: files.filter((f) => f.status === 'failed').map((f) => f.file),
      slowest: files.sort((a, b) => b.seconds - a.seconds).slice(0, 5),
      ...(outcome.code === 0 || report.numFailedTests
        ? {}
        : { error: `exit ${outcome.code ?? outcome.signal}: ${stderr.trim().split('\n').pop()}` }),
    };
  } catch (err) {
    return { ...result, error: `unreadable JSON report: ${err.message}` };
  }
}
