// The worker under test: built by wrangler exactly as it would be deployed, then run by workerd
// through the Miniflare API with the bindings wrangler.toml declares (D1, Durable Objects, vars)
// and fresh secrets. Requests go straight to the worker's own socket (Miniflare's direct
// sockets), so no development proxy or Miniflare entry worker sits in the measured path.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { DEVELOPMENT_VARS } from '../../scripts/dev-values.mjs';
import { generateSecrets } from '../../scripts/secrets.mjs';

export const ROOT = resolve(import.meta.dirname, '../..');
const WRANGLER_BIN = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
export const WORKER_NAME = 'edge-auth';
const PBKDF2_WORKER_NAME = 'pbkdf2-floor';
const DO_FLOOR_WORKER_NAME = 'do-floor';

/**
 * Runs wrangler with this Node (22) and returns its output; throws on a non-zero exit. `cwd` is
 * the checkout whose wrangler.toml and wrangler it uses (another for a --baseline build).
 */
export function wrangler(args, cwd = ROOT) {
  const bin = cwd === ROOT ? WRANGLER_BIN : join(cwd, 'node_modules/wrangler/bin/wrangler.js');
  const run = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) {
    throw new Error(`wrangler ${args.join(' ')} failed:\n${run.stdout}\n${run.stderr}`);
  }
  return `${run.stdout}\n${run.stderr}`;
}

/** wrangler.toml of `root` (a --baseline checkout too), read by wrangler, as Miniflare options. */
export async function readWorkerConfig(root = ROOT) {
  process.env.WRANGLER_LOG ??= 'error';
  const { unstable_readConfig, unstable_getMiniflareWorkerOptions } = await import('wrangler');
  const config = unstable_readConfig({ config: join(root, 'wrangler.toml') });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(config);
  // Only the declared vars: secrets come fresh from scripts/secrets.mjs, never from .dev.vars.
  const vars = Object.fromEntries(
    Object.keys(config.vars ?? {}).map((name) => [name, workerOptions.bindings[name]]),
  );
  const migrationDirs = (config.d1_databases ?? []).map((d) => ({
    binding: d.binding,
    dir: join(root, d.migrations_dir ?? 'migrations'),
  }));
  return { config, workerOptions, vars, migrationDirs, root };
}

/**
 * A worker that does one PBKDF2-HMAC-SHA256 derivation per request. With the range API faked
 * (`RANGE_URL`), `/beside-range` does register's pattern with nothing of ours around it: one
 * range request sent, the hash while it is answered, then the answer read. The two differ by
 * what this runtime charges for one subrequest made beside a hash.
 */
const pbkdf2FloorScript = (iterations) => `
const password = new TextEncoder().encode('Vermilion-Otter-42');
async function derive() {
  const key = await crypto.subtle.importKey('raw', password, 'PBKDF2', false, ['deriveBits']);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations: ${Number(iterations)} }, key, 256);
}
export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname !== '/beside-range' || !env.RANGE_URL) {
      const bits = await derive();
      return new Response(String(bits.byteLength * 8));
    }
    const prefix = crypto.randomUUID().replace(/-/g, '').slice(0, 5).toUpperCase();
    const answer = fetch(env.RANGE_URL + prefix, { headers: { 'Add-Padding': 'true' } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    const bits = await derive();
    const text = await (await answer).text();
    return new Response(bits.byteLength * 8 + ' ' + text.length);
  },
};`;

/**
 * The floors worker: one binding call per request, so each kind of call on our routes can be
 * priced (issue 14: "each MISS says what bounds it"). `/none` answers at once (the HTTP hop and
 * the runtime's per-request cost every floor includes); `/read` and `/write` make one call to
 * one of 16 warm SQLite-backed Durable Objects (`/write` answers once the runtime has committed
 * it); `/d1` is one small indexed read on the worker's own D1 database (the same binding and
 * database, a seeded row of `roles`); `/ratelimit` is one Rate Limiting binding call (a limit no
 * request reaches). `/fresh?n=K` creates K new objects (one write each): the memory pass.
 */
const doFloorScript = () => `
import { DurableObject } from 'cloudflare:workers';
export class FloorObject extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS hits (k INTEGER PRIMARY KEY, at INTEGER)');
  }
  read() {
    return this.ctx.storage.sql.exec('SELECT at FROM hits WHERE k = 1').toArray()[0]?.at ?? null;
  }
  write(now) {
    this.ctx.storage.sql.exec(
      'INSERT INTO hits VALUES (1, ?) ON CONFLICT(k) DO UPDATE SET at = excluded.at', now);
    return now;
  }
}
let n = 0;
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case '/none':
        return Response.json({ value: null });
      case '/d1': {
        const row = await env.DB.prepare('SELECT name, description FROM roles WHERE name = ?1')
          .bind('user').first();
        return row ? Response.json({ value: row.name }) : new Response('no row', { status: 500 });
      }
      case '/ratelimit': {
        const { success } = await env.RL.limit({ key: 'k' + (n++ % 16) });
        return success ? Response.json({ value: success }) : new Response('limited', { status: 429 });
      }
      case '/fresh': {
        const count = Number(url.searchParams.get('n') ?? 1);
        for (let i = 0; i < count; i++)
          await env.FLOOR.get(env.FLOOR.idFromName('fresh-' + crypto.randomUUID())).write(i);
        return Response.json({ value: count });
      }
    }
    const stub = env.FLOOR.get(env.FLOOR.idFromName('o' + (n++ % 16)));
    const value = url.pathname === '/write' ? await stub.write(Date.now()) : await stub.read();
    return Response.json({ value });
  },
};`;

/** A worker with the same bindings and Durable Object classes as ours but no code: the
 * runtime's own start-up cost, to set the worker's against. */
const stubScript = (classNames) => `
import { DurableObject } from 'cloudflare:workers';
${classNames.map((name) => `export class ${name} extends DurableObject {}`).join('\n')}
export default { fetch() { return new Response('{}'); } };`;

/** The bundle wrangler wrote into `outdir` (named after wrangler.toml's main: worker.js). */
export const bundlePath = (outdir) =>
  join(
    outdir,
    readdirSync(outdir).find((f) => f.endsWith('.js')),
  );

/**
 * Miniflare options for the built worker (`scriptPath` in `outdir`) plus optional extra workers.
 * `persistPath` keeps D1 and Durable Object storage on disk there (fresh per run).
 */
function miniflareOptions({ wc, secrets, outdir, script, persistPath, extra = [], vars }) {
  // The bundle is self-contained: wrangler's module rules (for unbundled sources) do not apply.
  const { modulesRules: _rules, ...workerOptions } = wc.workerOptions;
  // No [assets] in front: with it Miniflare routes every request through its asset-router worker
  // in the same workerd process, whose CPU the bench would count as ours (measured: GET / 0.33
  // vs 0.14-0.18 ms/req with and without it, at load average 8-11), while on Cloudflare the
  // router is the platform's and the worker is billed for its own isolate only. The bench never
  // asks for /docs, the one route that reads the ASSETS binding.
  delete workerOptions.assets;
  const main = {
    ...workerOptions,
    name: WORKER_NAME,
    rootPath: wc.root ?? ROOT,
    ...(script
      ? { modules: true, script }
      : { modules: true, scriptPath: bundlePath(outdir), modulesRoot: outdir }),
    // wrangler.toml holds production values (an operator fills them in); the bench runs on
    // loopback with the development ones, as `npm run dev` does.
    bindings: { ...wc.vars, ...DEVELOPMENT_VARS, ...vars, ...secrets },
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
    // Miniflare's Cache API answers through its no-op worker, not its emulation: the emulation
    // (a Durable Object storing each entry in SQLite and a blob file) runs in this workerd
    // process, so the bench would count its CPU as ours, while on Cloudflare the cache is the
    // platform's. The worker still makes every match and put. Measured on register with the
    // breached-password check on (its cache is the one user): +7.4 ms CPU per sign-up with the
    // emulation, +1 to 2 ms without (c=10, quiet machine, against the check off).
    cacheAPI: false,
  };
  return convertV4MiniflareOptions({
    host: '127.0.0.1',
    port: 0,
    cf: false,
    // The worker logs JSON lines (one per refused or failed answer); the bench does not print them.
    handleStructuredLogs: () => {},
    ...(persistPath ? { resourcePersistencePath: persistPath } : {}),
    workers: [main, ...extra],
  });
}

/** Applies every migration file (drizzle-kit format) to the D1 bindings, in name order. */
async function applyMigrations(mf, migrationDirs) {
  for (const { binding, dir } of migrationDirs) {
    const db = await mf.getD1Database(binding, WORKER_NAME);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    for (const file of files) {
      const statements = readFileSync(join(dir, file), 'utf8')
        .split('--> statement-breakpoint')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const sql of statements) await db.prepare(sql).run();
    }
  }
}

/** Resolves once `url` answers 200 (the first request also pays for lazy initialisation). */
async function firstOk(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
      if (Date.now() > deadline) throw new Error(`${url} answered ${res.status}`);
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Our own child processes named `name` (Miniflare spawns workerd as a direct child). */
export function childPids(name) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && comm === name) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** CPU time (user + system, all threads) a process has used so far, in ms; null once it exited. */
export function cpuMsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state) of proc(5): utime and stime are fields 14 and 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

/** VmRSS and VmHWM (peak RSS) of a process, in bytes; null once it has exited. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `everyMs`; `peak()` is the highest sample and the kernel's VmHWM. */
export function sampleRss(pid, everyMs = 200) {
  let peakSample = 0;
  const take = () => {
    const m = memoryOf(pid);
    if (m && m.rss > peakSample) peakSample = m.rss;
  };
  const atStart = memoryOf(pid)?.rss ?? null;
  take();
  const timer = setInterval(take, everyMs);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    peak: () => {
      take();
      return { rssAtStart: atStart, sampledPeakRss: peakSample, vmHwm: memoryOf(pid)?.hwm ?? null };
    },
  };
}

/**
 * A Miniflare instance whose stop is registered at once (`register(stop)`), so an interruption
 * during start-up stops it too. stop() disposes it and, should that hang, kills its workerd.
 */
async function launch(options, register) {
  const before = new Set(childPids('workerd'));
  const mf = new Miniflare(options);
  let pid = null;
  let stopped = null;
  const stop = () =>
    (stopped ??= (async () => {
      let timer;
      const timeout = new Promise((ok) => (timer = setTimeout(ok, 5_000, 'timeout')));
      const outcome = await Promise.race([mf.dispose().catch(() => {}), timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        for (const p of pid ? [pid] : childPids('workerd').filter((p) => !before.has(p)))
          process.kill(p, 'SIGKILL');
      }
    })());
  register?.(stop);
  await mf.ready;
  pid = childPids('workerd').find((p) => !before.has(p)) ?? null;
  return { mf, pid, stop };
}

/** A Rate Limiting rule no floor request reaches (16 keys, a few thousand requests a second). */
const FLOOR_RATE_LIMIT = { limit: 1_000_000, period: 60 };

/** Starts the worker under test and the floor workers on one workerd, fresh state. */
export async function startWorker({
  wc,
  outdir,
  persistPath,
  iterations,
  vars,
  inspector,
  register,
  secretsOf = generateSecrets,
}) {
  // A --baseline checkout brings its own generator: the secrets its config expects.
  const secrets = await secretsOf('bench-key');
  const started = performance.now();
  const options = miniflareOptions({
    wc,
    secrets,
    outdir,
    persistPath,
    vars,
    extra: [
      {
        name: PBKDF2_WORKER_NAME,
        modules: true,
        script: pbkdf2FloorScript(iterations),
        compatibilityDate: wc.workerOptions.compatibilityDate,
        bindings: vars?.BREACHED_PASSWORDS_URL ? { RANGE_URL: vars.BREACHED_PASSWORDS_URL } : {},
        unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
      },
      {
        name: DO_FLOOR_WORKER_NAME,
        modules: true,
        script: doFloorScript(),
        compatibilityDate: wc.workerOptions.compatibilityDate,
        durableObjects: { FLOOR: { className: 'FloorObject', useSQLite: true } },
        // The worker's own D1 database (same id: the same emulated database and file).
        d1Databases: wc.workerOptions.d1Databases,
        ratelimits: {
          RL: { type: 'ratelimit', name: 'RL', namespace_id: '9999', simple: FLOOR_RATE_LIMIT },
        },
        unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
      },
    ],
  });
  if (inspector) options.inspectorPort = 0;
  const { mf, pid, stop } = await launch(options, register);
  const url = (await mf.unsafeGetDirectURL(WORKER_NAME)).href.replace(/\/$/, '');
  const direct = async (name) => (await mf.unsafeGetDirectURL(name)).href.replace(/\/$/, '');
  const pbkdf2Url = await direct(PBKDF2_WORKER_NAME);
  const doFloorUrl = await direct(DO_FLOOR_WORKER_NAME);
  await firstOk(`${url}/`);
  const firstResponseMs = performance.now() - started;
  await applyMigrations(mf, wc.migrationDirs);
  return { mf, url, pbkdf2Url, doFloorUrl, pid, secrets, firstResponseMs, stop };
}

/**
 * Cold start: time from `new Miniflare()` to the first 200 on GET /, for the built worker and
 * for a stub with the same bindings; the difference is what our module costs at start-up
 * (parse, evaluation, first request through the app). Median of `runs` starts each. Split in
 * two: until Miniflare is ready (workerd has loaded and evaluated the modules and listens) and
 * from then to the first 200 (the first request, with whatever the module left to first use).
 */
export async function measureColdStart({ wc, outdir, tmp, runs = 3, register }) {
  const secrets = await generateSecrets('bench-cold');
  const classes = [...new Set(Object.values(wc.workerOptions.durableObjects ?? {}).map(classOf))];
  const once = async (script, i) => {
    const t0 = performance.now();
    const options = miniflareOptions({
      wc,
      secrets,
      outdir,
      script,
      persistPath: join(tmp, `cold-${i}`),
    });
    const { mf, stop } = await launch(options, register);
    try {
      const ready = performance.now() - t0;
      await firstOk(`${(await mf.unsafeGetDirectURL(WORKER_NAME)).href}`);
      return { total: performance.now() - t0, ready };
    } finally {
      await stop();
    }
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const worker = [];
  const stub = [];
  for (let i = 0; i < runs; i++) {
    worker.push(await once(undefined, `w${i}`));
    stub.push(await once(stubScript(classes), `s${i}`));
  }
  const round = (x) => Math.round(x * 10) / 10;
  const m = (list, field) => median(list.map((x) => x[field]));
  const firstRequest = (list) => median(list.map((x) => x.total - x.ready));
  return {
    workerFirstResponseMs: round(m(worker, 'total')),
    stubFirstResponseMs: round(m(stub, 'total')),
    moduleCostMs: round(m(worker, 'total') - m(stub, 'total')),
    workerReadyMs: round(m(worker, 'ready')),
    stubReadyMs: round(m(stub, 'ready')),
    readyCostMs: round(m(worker, 'ready') - m(stub, 'ready')),
    firstRequestCostMs: round(firstRequest(worker) - firstRequest(stub)),
    runs,
  };
}

/**
 * What one new SQLite-backed Durable Object adds to workerd's RSS: `count` fresh objects (one
 * write each, the floors worker's `/fresh`) on a workerd that has just started, RSS before and
 * after. The objects stay live (nothing evicts them during the run, as in the measured run).
 */
export async function rssPerObject(worker, count = 200) {
  const before = memoryOf(worker.pid)?.rss ?? null;
  const res = await fetch(`${worker.doFloorUrl}/fresh?n=${count}`);
  await res.text();
  if (res.status !== 200) throw new Error(`/fresh answered ${res.status}`);
  await new Promise((r) => setTimeout(r, 300));
  const after = memoryOf(worker.pid)?.rss ?? null;
  if (before === null || after === null) return null;
  return { count, rssBefore: before, rssAfter: after, bytesPerObject: (after - before) / count };
}

/** Durable Object instances the run created, by class (one SQLite file each in `persistPath`). */
export function countDurableObjects(persistPath) {
  const root = join(persistPath, 'do');
  const counts = {};
  try {
    for (const dir of readdirSync(root)) {
      const className = dir.slice(dir.lastIndexOf('-') + 1);
      counts[className] = readdirSync(join(root, dir)).filter(
        (f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite',
      ).length;
    }
  } catch {
    // no Durable Object was created
  }
  return counts;
}

const classOf = (designator) =>
  typeof designator === 'string' ? designator : designator.className;
