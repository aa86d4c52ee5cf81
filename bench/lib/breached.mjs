// Issue 29's figure: register's latency with the breached-password check on (the range API faked
// on loopback, bench/lib/pwned.mjs) against the same code with it off, which a run with
// `--breached-passwords=fail-open --baseline=<ref>` measures interleaved (the baseline runs with
// the check off unless --baseline-breached). Set beside it is the runtime's own price for one
// subrequest made beside a hash: the PBKDF2 floor worker doing register's pattern with nothing
// of ours around it (`pbkdf2_range`: the range request sent, the hash while it is answered, the
// answer read), against the same floor without the request (the baseline side's `pbkdf2_range`,
// which has no range API to ask, is a plain hash).

import { fmt, rowOf } from './budgets.mjs';

/** p50 on and off for one scenario and concurrency, with their spreads; null if not measured. */
function onOff(results, id, concurrency) {
  const on = rowOf(results.scenarios, id, concurrency);
  const off = rowOf(results.baseline?.scenarios ?? [], id, concurrency);
  if (!on?.p50 || !off?.p50) return null;
  return {
    on,
    off,
    added: on.p50 - off.p50,
    // "Within its spread": the median with the check on lies inside the off runs' min–max.
    within: off.spread?.p50 ? on.p50 <= off.spread.p50[1] : null,
  };
}

/** Whether this run compares the check on against it off (the baseline side without it). */
const comparesCheck = (results) =>
  Boolean(results.breachedPasswords && results.baseline && !results.baseline.breachedPasswords);

const spreadOf = (row) =>
  row.spread?.p50 ? ` (${fmt(row.spread.p50[0])}–${fmt(row.spread.p50[1])})` : '';

/** Targets: register's p50 with the check on within its spread with it off, at each concurrency. */
export function breachedCheckTargets(results) {
  if (!comparesCheck(results)) return [];
  const floor = onOff(results, 'pbkdf2_range', 1);
  return [1, 10].map((c) => {
    const r = onOff(results, 'register', c);
    return {
      name: `register p50 with the breached-password check on, within its spread off (c=${c})`,
      measured: r
        ? `${fmt(r.on.p50)} vs ${fmt(r.off.p50)}${spreadOf(r.off)} ms (+${fmt(r.added)})`
        : 'n/a',
      needed: r?.off.spread?.p50 ? `≤ ${fmt(r.off.spread.p50[1])} ms` : 'n/a',
      value: r?.on.p50 ?? null,
      pass: r?.within ?? null,
      boundedBy:
        r && !r.within && c === 1 && floor
          ? `one subrequest beside a hash, nothing of ours: +${fmt(floor.added)} ms ` +
            `(PBKDF2 floor ${fmt(floor.on.p50)} with a range request vs ${fmt(floor.off.p50)})`
          : '',
    };
  });
}

/** The markdown lines: on and off side by side, and the floor's price of the subrequest. */
export function renderBreachedCheck(results) {
  if (!comparesCheck(results)) return [];
  const { mode, fakeDelayMs } = results.breachedPasswords;
  const lines = [
    '',
    `The breached-password check (${mode}, range API faked on loopback answering in ` +
      `${fakeDelayMs} ms) on, against \`${results.baseline.ref}\` with it off, interleaved. ` +
      'p50 in ms, median (min–max) of the repetitions.',
    '',
    '| scenario | conc. | p50 check on | p50 check off | added | CPU on | CPU off |',
    '| --- | --: | --: | --: | --: | --: | --: |',
  ];
  for (const [id, c] of [
    ['register', 1],
    ['register', 10],
    ['pbkdf2_range', 1],
    ['pbkdf2_range', 10],
  ]) {
    const r = onOff(results, id, c);
    if (!r) continue;
    lines.push(
      `| ${r.on.label} | ${c} | ${fmt(r.on.p50)}${spreadOf(r.on)} | ${fmt(r.off.p50)}${spreadOf(r.off)} | ` +
        `${r.added >= 0 ? '+' : ''}${fmt(r.added)} | ${fmt(r.on.cpuMsPerReq)} | ${fmt(r.off.cpuMsPerReq)} |`,
    );
  }
  return lines;
}
