// The peer (bench/peers/better-auth): installed from its own pinned package.json on first use,
// then started as a separate Node 22 process on loopback with a fresh SQLite file.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './runtime.mjs';

const PEER_DIR = join(ROOT, 'bench/peers/better-auth');

/** The pinned version, and where it came from. */
export function peerVersion() {
  const pinned = JSON.parse(readFileSync(join(PEER_DIR, 'package.json'), 'utf8')).dependencies[
    'better-auth'
  ];
  const installedPath = join(PEER_DIR, 'node_modules/better-auth/package.json');
  const installed = existsSync(installedPath)
    ? JSON.parse(readFileSync(installedPath, 'utf8')).version
    : null;
  return { pinned, installed };
}

/** `npm ci` in the peer's folder when its node_modules is missing (its lockfile pins it). */
export function ensurePeerInstalled(log) {
  if (existsSync(join(PEER_DIR, 'node_modules/better-auth/package.json'))) return;
  log(`installing the peer (npm ci --prefix bench/peers/better-auth) ...`);
  // Under `npm run`, npm_execpath is npm's own CLI: run it with this Node.
  const npm = process.env.npm_execpath;
  const [cmd, args] = npm?.endsWith('.js') ? [process.execPath, [npm]] : ['npm', []];
  const lock = existsSync(join(PEER_DIR, 'package-lock.json'));
  const run = spawnSync(
    cmd,
    [...args, lock ? 'ci' : 'install', '--prefix', PEER_DIR, '--no-audit', '--no-fund'],
    { cwd: PEER_DIR, encoding: 'utf8', timeout: 240_000 },
  );
  if (run.status !== 0) {
    const tail = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ?? ''}`.trim().split('\n');
    throw new Error(`npm could not install the peer: ${tail.slice(-3).join(' | ')}`);
  }
}

/** A free loopback port (the peer must know its own origin before it starts). */
function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/**
 * The peer's settings in words, for the table's header: `settings` is what server.mjs reports it
 * started with (the options that differ from Better Auth's defaults).
 */
export function describePeer(settings) {
  const parts = ['Better Auth defaults (scrypt, sessions read from SQLite on every get-session)'];
  if (settings?.rateLimit?.enabled === false)
    parts.push(
      'except its rate limiter off (on by default only with NODE_ENV=production, it then allows ' +
        '3 sign-ins or sign-ups per 10 s per IP, and every bench request comes from 127.0.0.1)',
    );
  if (settings?.emailAndPassword?.autoSignIn === false)
    parts.push('and no sign-in on sign-up (autoSignIn: false, as POST /auth/register)');
  return parts.join(' ');
}

/** Starts the peer server; resolves with its URL, pid, settings, stop() and kill(). */
export async function startPeer({ dbPath, timeoutMs = 30_000 }) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', join(PEER_DIR, 'server.mjs')],
    {
      cwd: PEER_DIR,
      env: { ...process.env, PORT: String(port), DB_PATH: dbPath, BETTER_AUTH_TELEMETRY: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  let settings = null;
  try {
    await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error('peer did not start in time')), timeoutMs);
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        // Complete lines only (the last piece may still be arriving).
        const line = out
          .split('\n')
          .slice(0, -1)
          .find((l) => l.includes('"ready":true'));
        if (line) {
          settings = JSON.parse(line).settings ?? null;
          clearTimeout(timer);
          ok();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(
          new Error(`peer exited (${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`),
        );
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  // Synchronous last resort (process exit): SIGKILL if it still runs.
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, settings, stop, kill };
}

/**
 * Better Auth in workerd with D1 (bench/peers/better-auth/worker.mjs), bundled by esbuild and
 * run on a workerd of its own (its CPU apart from the worker's), with `nodejs_compat`, which
 * Better Auth needs and edge-auth does not use. Fresh D1 state in `persistPath`. Resolves with
 * the same shape as startPeer.
 */
export async function startWorkerdPeer({ outdir, persistPath, compatibilityDate }) {
  const { build } = await import('esbuild');
  const { Miniflare, convertV4MiniflareOptions } = await import('miniflare');
  const { childPids } = await import('./runtime.mjs');
  const { randomBytes } = await import('node:crypto');
  const scriptPath = join(outdir, 'peer-worker.js');
  await build({
    entryPoints: [join(PEER_DIR, 'worker.mjs')],
    outfile: scriptPath,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    external: ['node:*', 'cloudflare:*'],
    logLevel: 'warning',
  });
  const before = new Set(childPids('workerd'));
  const options = convertV4MiniflareOptions({
    host: '127.0.0.1',
    port: 0,
    cf: false,
    handleStructuredLogs: () => {},
    resourcePersistencePath: persistPath,
    workers: [
      {
        name: 'peer-workerd',
        modules: true,
        scriptPath,
        modulesRoot: outdir,
        compatibilityDate,
        compatibilityFlags: ['nodejs_compat'],
        d1Databases: { DB: 'peer-d1' },
        bindings: { BETTER_AUTH_SECRET: randomBytes(32).toString('base64') },
        unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
      },
    ],
  });
  const mf = new Miniflare(options);
  let stopped = null;
  const stop = () => (stopped ??= mf.dispose().catch(() => {}));
  try {
    await mf.ready;
    const url = (await mf.unsafeGetDirectURL('peer-workerd')).href.replace(/\/$/, '');
    const res = await fetch(`${url}/ready`);
    const body = await res.json();
    if (!body.ready) throw new Error(`peer answered ${res.status}`);
    const pid = childPids('workerd').find((p) => !before.has(p)) ?? null;
    const kill = () => {
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    };
    return {
      url,
      pid,
      settings: { ...body.settings, nodejsCompat: true, database: 'D1' },
      stop,
      kill,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
