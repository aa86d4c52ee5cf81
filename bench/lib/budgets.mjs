// Issue 23's CPU budgets and the --baseline comparison. CPU is workerd's process CPU per
// successful request (run.mjs): the answer, whatever runs after it in the same window
// (waitUntil work, the Durable Objects, the analytics consumer's share) and the runtime's own
// per-request cost, which the bare floor worker (`bare`: an empty answer, no app code, measured in
// the same run) isolates; so each budget is a difference to a floor of the same run.

export const fmt = (x, digits = 2) => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));
export const rowOf = (rows, id, concurrency) =>
  rows.find((s) => s.id === id && s.concurrency === concurrency) ?? null;

/** [id, floor id, allowed ms over the floor, what the floor is, per what (default: request)]. */
const CPU_BUDGETS = [
  ['floor', 'bare', 0.2, 'the bare worker'],
  ['verify', 'bare', 0.6, 'the bare worker'],
  ['refresh', 'bare', 3, 'the bare worker'],
  ['login', 'pbkdf2', 5, 'the PBKDF2 floor'],
  ['register', 'pbkdf2', 6, 'the PBKDF2 floor'],
  // Per sign-in (options + verify); a refresh is a session's token pair issued and stored, so
  // the difference is the passkey's own part: the challenge, the assertion, the account reads.
  ['passkey_sign_in', 'refresh', 5, 'a refresh (a token pair issued and stored)', 'sign-in'],
];

/** Worse than the baseline by more than this (new/baseline CPU) is a MISS. */
const BASELINE_TOLERANCE = 1.1;

/**
 * The range of a difference over the repetitions: repetition i of the route against repetition
 * i of its floor (they ran minutes apart, so this is wider than the noise of either).
 */
function differenceRange(row, floor) {
  const d = row.reps
    .map((r, i) => [r.cpuMsPerReq, floor.reps[i]?.cpuMsPerReq])
    .filter(([a, b]) => typeof a === 'number' && typeof b === 'number')
    .map(([a, b]) => a - b);
  return d.length > 1 ? [Math.min(...d), Math.max(...d)] : null;
}

/** One target per budget at c=10, the c=1 figure beside it. */
export function cpuBudgetTargets(results) {
  return CPU_BUDGETS.map(([id, floorId, allowed, floorName, per = 'request']) => {
    const at = (c) => {
      const row = rowOf(results.scenarios, id, c);
      const floor = rowOf(results.scenarios, floorId, c);
      if (row?.cpuMsPerReq == null || floor?.cpuMsPerReq == null) return null;
      return { value: row.cpuMsPerReq - floor.cpuMsPerReq, row, floor };
    };
    const c10 = at(10);
    const c1 = at(1);
    const range = c10 ? differenceRange(c10.row, c10.floor) : null;
    return {
      name: `${id}: CPU per ${per} ≤ ${floorName} + ${allowed} ms (c=10)`,
      measured: c10
        ? `+${fmt(c10.value)} ms${range ? ` [${fmt(range[0])}–${fmt(range[1])}]` : ''} ` +
          `(${fmt(c10.row.cpuMsPerReq)} − ${fmt(c10.floor.cpuMsPerReq)}); c=1: ` +
          (c1 ? `+${fmt(c1.value)} ms` : 'n/a')
        : 'n/a',
      needed: `≤ +${allowed} ms`,
      value: c10?.value ?? null,
      range,
      pass: c10 ? c10.value <= allowed : null,
      boundedBy: c10
        ? `CPU profile (\`--profile\`): ${
            (results.profiles?.[id] ?? [])
              .slice(0, 3)
              .map((t) => `${t.where} ${t.pct}%`)
              .join(', ') || 'not profiled'
          }`
        : '',
    };
  });
}

/** With --baseline: no worker row more than 10 % worse in CPU than at the baseline ref. */
export function baselineTargets(results) {
  const comparison = results.baseline?.comparison ?? [];
  const rows = comparison.filter((r) => r.target === 'worker' && r.cpuMsPerReq?.ratio != null);
  if (!results.baseline) return [];
  const worst = rows.reduce(
    (w, r) => (!w || r.cpuMsPerReq.ratio > w.cpuMsPerReq.ratio ? r : w),
    null,
  );
  const over = rows.filter((r) => r.cpuMsPerReq.ratio > BASELINE_TOLERANCE);
  return [
    {
      name: `no row more than 10 % worse in CPU than ${results.baseline.ref} (${results.baseline.sha?.slice(0, 7) ?? '?'})`,
      measured: worst
        ? `worst ${worst.id} c=${worst.concurrency}: ${fmt(worst.cpuMsPerReq.ratio)}×` +
          (worst.cpuMsPerReq.range
            ? ` [${fmt(worst.cpuMsPerReq.range[0])}–${fmt(worst.cpuMsPerReq.range[1])}]`
            : '')
        : 'n/a',
      needed: `≤ ${BASELINE_TOLERANCE}×`,
      value: worst?.cpuMsPerReq.ratio ?? null,
      pass: worst ? over.length === 0 : null,
      boundedBy: over.map((r) => `${r.id} c=${r.concurrency}`).join(', '),
    },
  ];
}

/** The new/baseline table (markdown lines), or none without --baseline. */
export function renderComparison(results) {
  const b = results.baseline;
  if (!b) return [];
  const ratio = (x) =>
    x?.ratio == null
      ? 'n/a'
      : `${fmt(x.ratio)}×${x.range ? ` (${fmt(x.range[0])}–${fmt(x.range[1])})` : ''}`;
  const lines = [
    '',
    `Against the baseline \`${b.ref}\` (${b.sha?.slice(0, 7) ?? '?'}), built and run beside the ` +
      'current code in the same run, interleaved (baseline, current, current, baseline, …). ' +
      'Ratios are current / baseline of the medians; (min–max) over the paired repetitions.',
    '',
    '| scenario | conc. | CPU ms/req current | baseline | CPU ratio | req/s ratio |',
    '| --- | --: | --: | --: | --: | --: |',
  ];
  for (const r of b.comparison) {
    lines.push(
      `| ${r.label} | ${r.concurrency} | ${fmt(r.cpuMsPerReq.current)} | ${fmt(r.cpuMsPerReq.baseline)} | ` +
        `${ratio(r.cpuMsPerReq)} | ${ratio(r.rps)} |`,
    );
  }
  if (b.bundle)
    lines.push('', `Baseline bundle: ${fmt(b.bundle.gzipBytes / 1024, 1)} KiB gzipped.`);
  return lines;
}

/** Issue 23's targets against Better Auth in workerd with D1, CPU per request at c=10. */
export function peerWorkerdTargets(results) {
  const cpu = (id) => rowOf(results.scenarios, id, 10)?.cpuMsPerReq ?? null;
  return [
    ['login', 'peer_workerd_sign_in', 0.35, 'sign-in'],
    ['verify', 'peer_workerd_get_session', 0.5, 'get-session'],
  ].map(([id, peerId, bound, what]) => {
    const [a, b] = [cpu(id), cpu(peerId)];
    const value = a !== null && b ? a / b : null;
    return {
      name: `${id} CPU ≤ ${bound}× Better Auth in workerd's ${what} CPU (c=10)`,
      measured: value === null ? 'n/a' : `${fmt(value)}× (${fmt(a)} / ${fmt(b)} ms)`,
      needed: `≤ ${bound}×`,
      value,
      pass: value === null ? null : value <= bound,
      boundedBy:
        a === null
          ? `${id} not run`
          : b === null
            ? (results.peerWorkerd?.reason ?? 'the workerd peer did not run')
            : '',
    };
  });
}

/** The workerd peer's settings, in words (a markdown paragraph), when it ran. */
export function renderPeerWorkerd(results) {
  const p = results.peerWorkerd;
  if (!p) return [];
  if (!p.available) return ['', `Peer in workerd: unavailable (${p.reason}).`];
  return [
    '',
    `Peer in workerd: better-auth ${results.versions?.['better-auth'] ?? '?'} bundled by esbuild ` +
      '(bench/peers/better-auth/worker.mjs) on a workerd of its own with `nodejs_compat` and a ' +
      'D1 database (its Kysely D1 dialect), Better Auth defaults (scrypt in JavaScript, sessions ' +
      'read from D1 on every get-session) except its rate limiter off and no sign-in on sign-up, ' +
      'as the Node peer.',
  ];
}
