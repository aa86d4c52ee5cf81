// `npm run bench [-- --duration=3 --warmup=1 --repeat=3 --only=floor,verify --no-peer
//   --no-suite --baseline=<git ref> --update-docs --breached-passwords=fail-open]`
// `--baseline=<ref>` also builds the worker at that ref (a temporary git worktree) and runs each
// worker scenario on both, interleaved; the report adds new/baseline per row with its spread.
// `--update-docs` writes the tables into docs/performance.md (between the bench markers).
// `npm run bench -- --profile` also profiles the worker's isolate during each worker scenario
// (bench/.tmp/profiles/*.cpuprofile; the top functions by self time go into results.json).
// `--only=suite` runs the test-suite target alone.
// `--breached-passwords=fail-open` (or fail-closed) turns the breached-password check on against
// a loopback fake of the range API answering in 5 ms (bench/lib/pwned.mjs); off by default.
// `--baseline-breached` turns it on in the --baseline worker too (same fake), to compare two
// versions of the check; without it the baseline runs with the check off (the check's cost).
// `--range-delay-ms=N` sets the fake's answer time (5 by default; 0 shows what the wait costs).
// With the fake, the `pbkdf2_range` floor prices one such request made beside a hash, with no
// code of ours (bench/lib/breached.mjs reports it beside register's figures).
//
// Builds the worker as it deploys, runs it in workerd through the Miniflare API with fresh D1 and
// Durable Object state on loopback, drives every scenario of bench/lib/scenarios.mjs with
// autocannon at each concurrency, `--repeat` times (one warm-up per scenario; the figures are
// the median, with the min–max), then does the same for the peer (Better Auth on Node), then
// times the test suite (`vitest run`) with nothing else of the bench running, and writes
// bench/results.json plus markdown tables (stdout). Exits 1 if any scenario saw an unexpected
// answer or the run failed; everything it started is stopped either way.
import { cpus, freemem, loadavg, totalmem, tmpdir } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildWorker, profileStartup } from './lib/build.mjs';
import { buildWorker as buildEntry } from '../scripts/build.mjs';
import { runHttp, runInProcess, stopLoad } from './lib/load.mjs';
import {
  describePeer,
  ensurePeerInstalled,
  peerVersion,
  startPeer,
  startWorkerdPeer,
} from './lib/peer.mjs';
import { evaluateTargets, renderMarkdown, updateDocs } from './lib/report.mjs';
import { runSuite } from './lib/suite.mjs';
import { startFakeRange } from './lib/pwned.mjs';
import { compareRows, prepareBaseline } from './lib/baseline.mjs';
import { isolateHeap, profileDuring } from './lib/inspector.mjs';
import {
  ROOT,
  measureColdStart,
  readWorkerConfig,
  sampleRss,
  memoryOf,
  cpuMsOf,
  countDurableObjects,
  rssPerObject,
  startWorker,
} from './lib/runtime.mjs';
import { benchVars, CONCURRENCIES, SCENARIOS } from './lib/scenarios.mjs';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    repeat: { type: 'string', default: '3' },
    only: { type: 'string' },
    'no-peer': { type: 'boolean', default: false },
    'no-suite': { type: 'boolean', default: false },
    'update-readme': { type: 'boolean', default: false },
    'update-docs': { type: 'boolean', default: false },
    baseline: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'breached-passwords': { type: 'string', default: 'off' },
    'baseline-breached': { type: 'boolean', default: false },
    'range-delay-ms': { type: 'string', default: '5' },
  },
});
const breachedMode = args['breached-passwords'];
if (!['off', 'fail-open', 'fail-closed'].includes(breachedMode)) {
  process.stderr.write('[bench] --breached-passwords is off, fail-open or fail-closed\n');
  process.exit(1);
}
const durationS = Number(args.duration);
const warmupS = Number(args.warmup);
const repeat = Math.max(1, Math.floor(Number(args.repeat)) || 1);
const only = args.only ? new Set(args.only.split(',')) : null;
/** The test suite runs in a full run and with --only=suite, unless --no-suite. */
const runTheSuite = !args['no-suite'] && (!only || only.has('suite'));
/** --only=suite: the suite alone, nothing built or started. */
const suiteOnly = only !== null && [...only].every((id) => id === 'suite');
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 5)) {
  log(`Node ${process.version}: needs Node ≥ 22.5 (run it as \`npm run bench\`, which uses the`);
  log(`project's node@22 from node_modules/.bin)`);
  process.exit(1);
}

// Everything started is registered here and stopped in reverse order, on success, failure or ^C;
// each step gets a few seconds (a step that hangs must not leave the others running). `onExit`
// steps are synchronous and also run when something calls process.exit first (Miniflare's own
// signal handler does, after stopping workerd): they kill the peer and remove the temp dir.
const cleanups = [];
const onExit = [];
const register = (fn, atExit) => {
  cleanups.push(fn);
  if (atExit) onExit.push(atExit);
};
process.on('exit', () => {
  for (const fn of onExit) {
    try {
      fn();
    } catch {
      // best effort: the process is going away
    }
  }
});
let cleaning = null;
const cleanup = () =>
  (cleaning ??= (async () => {
    const keepAlive = setInterval(() => {}, 1_000);
    for (const fn of cleanups.reverse()) {
      let timer;
      try {
        await Promise.race([
          fn(),
          new Promise((_, fail) => {
            timer = setTimeout(() => fail(new Error('timed out')), 10_000);
          }),
        ]);
      } catch (err) {
        log(`cleanup: ${err.message}`);
      } finally {
        clearTimeout(timer);
      }
    }
    clearInterval(keepAlive);
  })());
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = true;
    log(`${signal}: stopping`);
    stopLoad();
    cleanup().finally(() => process.exit(130));
  });
}

const version = (pkg) => {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8'))
      .version;
  } catch {
    return null;
  }
};

const median = (xs) => {
  const v = xs.filter((x) => x !== null && x !== undefined).sort((x, y) => x - y);
  if (!v.length) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : Math.round(((v[mid - 1] + v[mid]) / 2) * 1000) / 1000;
};
const extent = (xs) => {
  const v = xs.filter((x) => x !== null && x !== undefined);
  return v.length ? [Math.min(...v), Math.max(...v)] : null;
};
/** The figures that get a median and a min–max over the repetitions. */
const FIGURES = ['rps', 'p50', 'p99', 'mean', 'cpuMsPerReq'];
/** Counts, summed over the repetitions. */
const COUNTS = ['ok', 'errors', 'invalidBodies', 'socketErrors', 'timeouts', 'aggregated'];

/** One row per concurrency from `repeat` measurements of it: medians, min–max, sums. */
function combine(scenario, concurrency, reps) {
  const row = {
    id: scenario.id,
    label: scenario.label,
    target: scenario.target,
    concurrency,
    repetitions: reps.length,
  };
  for (const f of FIGURES) row[f] = median(reps.map((r) => r[f]));
  for (const f of COUNTS)
    if (reps.some((r) => f in r)) row[f] = reps.reduce((n, r) => n + (r[f] ?? 0), 0);
  const statuses = {};
  for (const r of reps)
    for (const [k, v] of Object.entries(r.statuses ?? {})) statuses[k] = (statuses[k] ?? 0) + v;
  if (Object.keys(statuses).length) row.statuses = statuses;
  row.spread = Object.fromEntries(FIGURES.map((f) => [f, extent(reps.map((r) => r[f]))]));
  row.reps = reps.map((r) =>
    Object.fromEntries(
      [...FIGURES, 'errors', 'durationS', 'sendSeconds', 'totalSeconds']
        .filter((f) => f in r)
        .map((f) => [f, r[f]]),
    ),
  );
  return row;
}

/**
 * Warm-up once, then `repeat` rounds of one measured run per concurrency (the rounds interleave,
 * so a slow spell of the machine spreads over the concurrencies instead of landing on one);
 * returns one row per concurrency for results.json: the median of each figure, its min–max.
 */
async function measure(scenario, ctx, base) {
  // A scenario that is not a request rate (the analytics consumer's drain) measures itself.
  if (scenario.measure) {
    const rounds = [];
    for (let rep = 0; rep < repeat; rep++) {
      if (interrupted) throw new Error('interrupted');
      const rows = await scenario.measure(ctx, scenario);
      for (const r of rows)
        log(
          `${scenario.id} c=${r.concurrency} rep ${rep + 1}/${repeat}: ${r.rps}/s, errors ${r.errors}`,
        );
      rounds.push(rows);
    }
    return {
      current: rounds[0].map((first, i) =>
        combine(
          scenario,
          first.concurrency,
          rounds.map((rows) => rows[i]),
        ),
      ),
    };
  }
  // With --baseline the same scenario also runs on the baseline's worker (`base`), alternating
  // with the current one at every concurrency of every repetition: baseline, current, then
  // current, baseline, ... (the peer and in-process scenarios have no baseline).
  const sides = [{ key: 'current', ctx }];
  if (
    base &&
    !scenario.op &&
    (scenario.target === 'worker' || scenario.target === 'pbkdf2' || scenario.target === 'dofloor')
  )
    sides.push({ key: 'baseline', ctx: base });
  for (const side of sides) {
    const c = side.ctx;
    const url = {
      worker: c.worker?.url,
      pbkdf2: c.worker?.pbkdf2Url,
      dofloor: c.worker?.doFloorUrl,
      peer: c.peer?.url,
    }[scenario.target];
    const state = (await scenario.setup?.(c)) ?? {};
    side.once = (connections, seconds) =>
      // An `op` is driven from here: in-process work, or several requests per operation to the
      // worker (whose CPU is still the one counted below, per operation).
      scenario.op
        ? runInProcess({ op: scenario.op(c, state), concurrency: connections, durationS: seconds })
        : runHttp({
            url,
            request: scenario.request(c, state),
            connections,
            durationS: seconds,
            expect: scenario.expect ?? 200,
            validate: scenario.validate,
          });
    // CPU time of the serving process (workerd, the peer, or this process for in-process work)
    // per successful request: unlike req/s, barely moved by other load on the machine.
    const serverPid = scenario.target === 'peer' ? c.peer?.pid : c.worker?.pid;
    side.cpuNow = () => {
      if (scenario.target !== 'node') return serverPid ? cpuMsOf(serverPid) : null;
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    };
    side.warm = warmupS > 0 ? await side.once(Math.max(...CONCURRENCIES), warmupS) : { errors: 0 };
    side.reps = CONCURRENCIES.map(() => []);
  }
  for (let rep = 0; rep < repeat; rep++) {
    const order = rep % 2 === 0 ? [...sides].reverse() : sides;
    for (const [i, concurrency] of CONCURRENCIES.entries()) {
      for (const side of order) {
        if (interrupted) throw new Error('interrupted');
        const cpuBefore = side.cpuNow();
        const r = await side.once(concurrency, durationS);
        const cpuAfter = side.cpuNow();
        const cpuMsPerReq =
          cpuBefore === null || cpuAfter === null || !r.ok
            ? null
            : Math.round(((cpuAfter - cpuBefore) / r.ok) * 1000) / 1000;
        side.reps[i].push({ ...r, cpuMsPerReq });
        log(
          `${scenario.id}${side.key === 'baseline' ? ' [baseline]' : ''} c=${concurrency} ` +
            `rep ${rep + 1}/${repeat}: ${r.rps} req/s, p50 ${r.p50} ms, ` +
            `p99 ${r.p99} ms, cpu ${cpuMsPerReq} ms/req, errors ${r.errors}` +
            (r.statuses ? ` ${JSON.stringify(r.statuses)}` : ''),
        );
      }
    }
  }
  const out = {};
  for (const side of sides) {
    const rows = CONCURRENCIES.map((c, i) => combine(scenario, c, side.reps[i]));
    rows[0].warmupErrors = side.warm.errors;
    if (side.warm.errors)
      log(
        `${scenario.id} ${side.key} warm-up: ${side.warm.errors} errors ${JSON.stringify(side.warm.statuses)}`,
      );
    out[side.key] = rows;
  }
  return out;
}

/** Runs a scenario into results; a scenario that throws is recorded as failed (exit code 1). */
async function measureInto(results, scenario, ctx, base) {
  if (interrupted) throw new Error('interrupted');
  try {
    const { current, baseline } = await measure(scenario, ctx, base);
    results.scenarios.push(...current);
    if (baseline) results.baseline.scenarios.push(...baseline);
  } catch (err) {
    log(`${scenario.id} failed: ${err.stack ?? err}`);
    results.failed.push({ id: scenario.id, label: scenario.label, error: String(err.message) });
  }
}

/**
 * The isolate's heap, and with --profile a CPU profile per worker scenario. The inspector costs
 * workerd throughput even with no session attached, so this runs on a second, inspector-enabled
 * instance after the measured one is gone: the same scenarios at the highest concurrency for a
 * few seconds each, untimed; the heap is read after start-up and after the load.
 */
async function diagnosticsPass(selected, wcOptions, ctx) {
  const worker = await startWorker({ ...wcOptions, inspector: true });
  ctx.worker = worker;
  ctx.state.users = [];
  ctx.state.sessions = [];
  const heap = { before: await isolateHeap(worker.mf) };
  const dir = join(ROOT, 'bench/.tmp/profiles');
  if (args.profile) mkdirSync(dir, { recursive: true });
  const profiles = {};
  for (const scenario of selected.filter((s) => s.target === 'worker' && (s.request || s.op))) {
    const state = (await scenario.setup?.(ctx)) ?? {};
    const connections = Math.max(...CONCURRENCIES);
    const seconds = args.profile ? durationS : Math.min(durationS, 2);
    // An operation of several requests (passkey_sign_in) is driven from here, as when measured.
    const load = () =>
      scenario.op
        ? runInProcess({
            op: scenario.op(ctx, state),
            concurrency: connections,
            durationS: seconds,
          })
        : runHttp({
            url: worker.url,
            request: scenario.request(ctx, state),
            connections,
            durationS: seconds,
            expect: scenario.expect ?? 200,
          });
    if (!args.profile) {
      await load();
      continue;
    }
    const file = join(dir, `${scenario.id}.cpuprofile`);
    const { top } = await profileDuring(worker.mf, file, load);
    profiles[scenario.id] = top;
    log(`profile ${scenario.id} → ${file}`);
    for (const t of top.slice(0, 8)) log(`  ${String(t.pct).padStart(5)}%  ${t.where}`);
  }
  heap.after = await isolateHeap(worker.mf);
  await worker.stop();
  ctx.worker = null;
  return { heap, profiles };
}

/** What one new Durable Object adds to workerd's RSS (measured by the round-trip pass). */
let perObject = null;

/** Requests per scenario in the round-trip pass; the most sequential answer is reported. */
const ROUND_TRIP_SAMPLES = 5;

/**
 * Binding calls per operation, on an instance of its own running the bench's round-trip entry
 * (bench/worker/entry.ts: the worker with its bindings wrapped, answering X-Round-Trips; src/
 * holds no such code), so the wrappers never touch the timed figures: a few requests per worker
 * scenario, untimed, as autocannon would send them.
 */
async function roundTripPass(selected, wcOptions, ctx) {
  const outdir = join(wcOptions.outdir, '..', 'round-trips-dist');
  await buildEntry(join(outdir, 'worker.js'), join(ROOT, 'bench/worker/entry.ts'));
  const worker = await startWorker({ ...wcOptions, outdir });
  ctx.worker = worker;
  ctx.state.users = [];
  ctx.state.sessions = [];
  const counts = {};
  try {
    // Before any request of the pass: what a new SQLite-backed object costs a fresh workerd.
    if (worker.pid) {
      try {
        perObject = await rssPerObject(worker);
        if (perObject)
          log(`RSS per new Durable Object: ${(perObject.bytesPerObject / 1024).toFixed(0)} KiB`);
      } catch (err) {
        perObject = { error: err.message.split('\n')[0] };
      }
    }
    for (const scenario of selected.filter((s) => s.target === 'worker' && s.request)) {
      const state = (await scenario.setup?.(ctx)) ?? {};
      const template = scenario.request(ctx, state);
      const samples = [];
      for (let i = 0; i < ROUND_TRIP_SAMPLES; i++) {
        let req = {
          method: template.method,
          path: template.path,
          headers: { ...template.headers },
        };
        if (template.body !== undefined) req.body = template.body;
        if (template.setupRequest) req = template.setupRequest(req);
        const res = await fetch(`${worker.url}${req.path}`, {
          method: req.method,
          headers: req.headers,
          body: req.body,
        });
        const text = await res.text();
        template.onResponse?.(res.status, text);
        const header = res.headers.get('x-round-trips') ?? '';
        const match = /^depth=(\d+); calls=(\d+); path=(.*)$/.exec(header);
        if (!match)
          throw new Error(`${scenario.id}: no X-Round-Trips header (status ${res.status})`);
        samples.push({ depth: Number(match[1]), calls: Number(match[2]), path: match[3] });
      }
      const worst = samples.reduce((a, b) => (b.depth > a.depth ? b : a));
      counts[scenario.id] = { label: scenario.label, samples: samples.length, ...worst };
      log(`round trips ${scenario.id}: depth ${worst.depth}, ${worst.calls} calls: ${worst.path}`);
    }
  } finally {
    await worker.stop();
    ctx.worker = null;
  }
  return counts;
}

async function main() {
  const results = {
    date: new Date().toISOString(),
    // The command as given, every option included, so that a reader can run the same again.
    command: [
      'npm run bench',
      ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
    ].join(' '),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryBytes: totalmem(),
      freeMemoryBytesStart: freemem(),
      loadavgStart: loadavg(),
    },
    versions: {
      node: process.versions.node,
      workerd: version('workerd'),
      miniflare: version('miniflare'),
      wrangler: version('wrangler'),
      autocannon: version('autocannon'),
      hono: version('hono'),
      zod: version('zod'),
      jose: version('jose'),
      'better-auth': peerVersion().pinned,
    },
    settings: { durationS, warmupS, repeat, concurrencies: CONCURRENCIES },
    scenarios: [],
    skipped: [],
    failed: [],
    memory: {},
    startup: {},
    peer: { available: false, reason: 'not run' },
    baseline: args.baseline ? { ref: args.baseline, scenarios: [], comparison: [] } : null,
  };
  if (results.machine.loadavgStart[0] > 1) {
    log(`load average ${results.machine.loadavgStart[0].toFixed(2)}: other work on this machine`);
    log('will lower and scatter the figures');
  }
  const tmp = mkdtempSync(join(tmpdir(), 'edge-auth-bench-'));
  const removeTmp = () => rmSync(tmp, { recursive: true, force: true });
  register(removeTmp, removeTmp);
  if (!suiteOnly) await benchWorkerAndPeer(results, tmp);

  // --- the test suite, last: nothing else of the bench runs while it is timed ---
  if (runTheSuite) {
    log('test suite (vitest run, as npm test) ...');
    results.suite = await runSuite({ outfile: join(tmp, 'vitest.json'), register, log });
    const su = results.suite;
    log(
      su.error && su.total === undefined
        ? `suite: ${su.error}`
        : `suite: ${su.wallS} s, ${su.passed} passed, ${su.failed} failed, ${su.skipped} skipped` +
            (su.error ? ` (${su.error})` : ''),
    );
  } else {
    results.suite = { notRun: args['no-suite'] ? 'skipped (--no-suite)' : 'not selected' };
  }
  results.machine.loadavgEnd = loadavg();

  if (interrupted) throw new Error('interrupted');
  if (results.baseline)
    results.baseline.comparison = compareRows(results.scenarios, results.baseline.scenarios);
  results.targets = evaluateTargets(results);
  const markdown = renderMarkdown(results);
  writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${markdown}\n\n`);
  log('wrote bench/results.json');
  // The tables live in docs/performance.md (issue 21 §3); --update-readme is the old name.
  if (args['update-docs'] || args['update-readme']) {
    log(
      (await updateDocs(join(ROOT, 'docs/performance.md'), markdown))
        ? 'updated docs/performance.md'
        : 'docs/performance.md is missing or has no bench markers',
    );
  }
  const errors = results.scenarios.reduce((n, s) => n + s.errors + (s.warmupErrors ?? 0), 0);
  if (errors > 0 || results.failed.length > 0) {
    log(`${errors} unexpected answers or socket errors, ${results.failed.length} failed scenarios`);
    return 1;
  }
  return 0;
}

/** Binding name → kind of call (d1, do, ratelimit, queue), for pricing the round trips. */
const bindingKinds = (wo) => ({
  ...Object.fromEntries(Object.keys(wo.d1Databases ?? {}).map((b) => [b, 'd1'])),
  ...Object.fromEntries(Object.keys(wo.durableObjects ?? {}).map((b) => [b, 'do'])),
  ...Object.fromEntries(Object.keys(wo.ratelimits ?? {}).map((b) => [b, 'ratelimit'])),
  ...Object.fromEntries(Object.keys(wo.queueProducers ?? {}).map((b) => [b, 'queue'])),
});

/**
 * The --baseline worker: checked out, built and started (its own workerd, fresh state) beside
 * the current one; returns the context its scenarios run in.
 */
/** Whether the worker checked out in `dir` reads scoped service keys (after 0.1.0). */
const keysHaveScopes = (dir) => {
  const file = join(dir, 'src/lib/service-keys.ts');
  return existsSync(file) && readFileSync(file, 'utf8').includes('scopes');
};

async function startBaseline(results, tmp, breached) {
  log(`baseline ${args.baseline}: git worktree, install, build ...`);
  const prepared = await prepareBaseline({ ref: args.baseline, tmp, register, log });
  Object.assign(results.baseline, { sha: prepared.sha, bundle: prepared.bundle });
  if (args['baseline-breached'] && breached)
    results.baseline.breachedPasswords = { mode: breached.mode };
  const { wc } = prepared;
  wc.vars.MAX_SESSIONS_PER_USER = '100';
  const worker = await startWorker({
    wc,
    outdir: prepared.outdir,
    iterations: Number(wc.vars.PBKDF2_ITERATIONS ?? 100_000),
    vars: benchVars({
      scopedKeys: keysHaveScopes(prepared.dir),
      breached: args['baseline-breached'] ? breached : null,
    }),
    register,
    persistPath: join(tmp, 'baseline-state'),
    ...(prepared.secretsOf ? { secretsOf: prepared.secretsOf } : {}),
  });
  log(`baseline ${prepared.sha.slice(0, 7)} started`);
  return {
    vars: wc.vars,
    worker,
    peer: null,
    state: { users: [], sessions: [], peerUsers: [], peerCookies: [] },
  };
}

/** Everything but the suite: build, start-up, the worker's scenarios and passes, the peer. */
async function benchWorkerAndPeer(results, tmp) {
  log('building the worker (wrangler deploy --dry-run) ...');
  const build = buildWorker(join(tmp, 'dist'));
  const { path: _path, ...bundle } = build;
  results.bundle = bundle;
  log(
    `bundle ${(bundle.rawBytes / 1024).toFixed(1)} KiB, gzip ${(bundle.gzipBytes / 1024).toFixed(1)} KiB`,
  );

  const wc = await readWorkerConfig();
  results.bindings = bindingKinds(wc.workerOptions);
  log('start-up: wrangler check startup, and cold starts to the first 200 ...');
  try {
    results.startup.profile = profileStartup(join(tmp, 'startup.cpuprofile'));
  } catch (err) {
    results.startup.profileError = err.message.split('\n')[0];
    log(`start-up profile failed: ${results.startup.profileError}`);
  }
  results.startup.cold = await measureColdStart({ wc, outdir: join(tmp, 'dist'), tmp, register });

  // The login scenario starts ~15 sessions per seeded user; with the default cap (10) their
  // eviction would race the verify/refresh pools. The cap is not what is measured: lift it to
  // the largest value the config allows.
  wc.vars.MAX_SESSIONS_PER_USER = '100';
  const ctx = {
    vars: wc.vars,
    worker: null,
    peer: null,
    state: { users: [], sessions: [], peerUsers: [], peerCookies: [] },
  };
  // A scenario that asks the range API runs only with the fake of it (--breached-passwords).
  const selected = SCENARIOS.filter(
    (s) => (!only || only.has(s.id)) && (!s.rangeApi || breachedMode !== 'off'),
  );

  // --- the worker ---
  let breached = null;
  if (breachedMode !== 'off') {
    const range = await startFakeRange({ delayMs: Number(args['range-delay-ms']) });
    register(range.stop);
    breached = { mode: breachedMode, url: range.url };
    results.breachedPasswords = { mode: breachedMode, fakeDelayMs: range.delayMs };
    // The range API's requests, read when the results are written (the scenarios run first).
    Object.defineProperty(results.breachedPasswords, 'rangeCalls', {
      enumerable: true,
      get: range.calls,
    });
    log(
      `breached-password check ${breachedMode}, range API faked at ${range.url} (${range.delayMs} ms)`,
    );
  }
  log('starting workerd (Miniflare API), applying migrations ...');
  const workerOptions = {
    wc,
    outdir: join(tmp, 'dist'),
    iterations: Number(wc.vars.PBKDF2_ITERATIONS ?? 100_000),
    vars: benchVars({ breached }),
    register,
  };
  const worker = await startWorker({ ...workerOptions, persistPath: join(tmp, 'state') });
  ctx.worker = worker;
  const base = args.baseline ? await startBaseline(results, tmp, breached) : null;
  results.startup.mainInstanceFirstResponseMs = Math.round(worker.firstResponseMs);
  const rss = worker.pid ? sampleRss(worker.pid) : null;
  // How much each scenario raised workerd's peak RSS (VmHWM): the peak, attributed.
  const hwmGrowth = {};
  for (const scenario of selected.filter((s) => s.target !== 'peer')) {
    const before = worker.pid ? memoryOf(worker.pid)?.hwm : null;
    await measureInto(results, scenario, ctx, base);
    const after = worker.pid ? memoryOf(worker.pid)?.hwm : null;
    if (before && after) hwmGrowth[scenario.id] = after - before;
  }
  if (rss) {
    rss.stop();
    results.memory.workerd = { pid: worker.pid, ...rss.peak(), hwmGrowthByScenario: hwmGrowth };
  }
  await worker.stop();
  await base?.worker.stop();
  ctx.worker = null;
  results.memory.durableObjects = countDurableObjects(join(tmp, 'state'));

  log('isolate heap (inspector-enabled instance, same scenarios, untimed) ...');
  try {
    const diag = await diagnosticsPass(
      selected,
      { ...workerOptions, persistPath: join(tmp, 'diag') },
      ctx,
    );
    results.memory.isolateHeap = diag.heap;
    if (args.profile) results.profiles = diag.profiles;
  } catch (err) {
    if (interrupted) throw err;
    results.memory.isolateHeap = { error: err.message.split('\n')[0] };
    log(`isolate heap not measured: ${results.memory.isolateHeap.error}`);
  }

  log('round trips per operation (separate instance, bindings wrapped) ...');
  try {
    const pass = await roundTripPass(
      selected,
      { ...workerOptions, persistPath: join(tmp, 'round-trips') },
      ctx,
    );
    results.roundTrips = pass;
  } catch (err) {
    if (interrupted) throw err;
    results.roundTrips = { error: err.message.split('\n')[0] };
    log(`round trips not measured: ${results.roundTrips.error}`);
  }
  results.memory.perObject = perObject;

  // --- the peer ---
  const peerScenarios = selected.filter((s) => s.target === 'peer');
  if (args['no-peer']) {
    results.peer = { available: false, reason: 'skipped (--no-peer)' };
  } else if (peerScenarios.length) {
    try {
      ensurePeerInstalled(log);
      const peer = await startPeer({ dbPath: join(tmp, 'peer.sqlite') });
      register(peer.stop, peer.kill);
      ctx.peer = peer;
      results.peer = {
        available: true,
        version: peerVersion().installed,
        settings: peer.settings,
        described: describePeer(peer.settings),
      };
      results.versions['better-auth'] = peerVersion().installed;
    } catch (err) {
      results.peer = { available: false, reason: err.message.split('\n')[0] };
      log(`peer unavailable: ${results.peer.reason}`);
    }
    if (ctx.peer) {
      for (const scenario of peerScenarios) await measureInto(results, scenario, ctx);
      const mem = memoryOf(ctx.peer.pid);
      results.memory.peer = mem ? { pid: ctx.peer.pid, vmHwm: mem.hwm } : null;
      await ctx.peer.stop();
    }
  }
  if (!ctx.peer) {
    for (const s of peerScenarios)
      results.skipped.push({ id: s.id, label: s.label, reason: 'peer unavailable' });
  }
  if (!args['no-peer'] && peerScenarios.length)
    await benchWorkerdPeer(results, tmp, peerScenarios, wc);
}

/**
 * The same peer scenarios against Better Auth in workerd with D1 (bench/peers/better-auth/
 * worker.mjs, with nodejs_compat), on a workerd of its own: rows `peer_workerd_*`.
 */
async function benchWorkerdPeer(results, tmp, peerScenarios, wc) {
  let peer;
  try {
    ensurePeerInstalled(log);
    peer = await startWorkerdPeer({
      outdir: tmp,
      persistPath: join(tmp, 'peer-workerd'),
      compatibilityDate: wc.workerOptions.compatibilityDate,
    });
    register(peer.stop, peer.kill);
    results.peerWorkerd = { available: true, settings: peer.settings };
  } catch (err) {
    results.peerWorkerd = { available: false, reason: err.message.split('\n')[0] };
    log(`workerd peer unavailable: ${results.peerWorkerd.reason}`);
    return;
  }
  const wctx = {
    vars: {},
    worker: null,
    peer,
    state: { users: [], sessions: [], peerUsers: [], peerCookies: [] },
  };
  for (const s of peerScenarios) {
    const scenario = {
      ...s,
      id: s.id.replace(/^peer_/, 'peer_workerd_'),
      label: s.label.replace(/^peer:/, 'peer in workerd (D1, nodejs_compat):'),
    };
    await measureInto(results, scenario, wctx);
  }
  await peer.stop();
}

let code = 1;
try {
  code = await main();
} catch (err) {
  log(`failed: ${err.stack ?? err}`);
} finally {
  await cleanup();
}
process.exit(code);
