// workerd's inspector (Chrome DevTools protocol) on the worker's isolate: its V8 heap, and with
// `--profile` a CPU profile while a scenario runs, saved as .cpuprofile (Chrome DevTools,
// VS Code) and summarised as the functions with the most self time.
import { writeFileSync } from 'node:fs';
import { WORKER_NAME } from './runtime.mjs';

/** An inspector session on one worker's isolate: call(method, params) → result. */
async function inspect(mf, workerName = WORKER_NAME) {
  const inspector = await mf.getInspectorURL();
  const list = await (
    await fetch(new URL('/json/list', inspector.href.replace(/^ws/, 'http')))
  ).json();
  const target = list.find((t) => t.id === `core:user:${workerName}`);
  if (!target) throw new Error(`no inspector target for ${workerName}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((ok, fail) => {
    ws.onopen = ok;
    ws.onerror = () => fail(new Error('inspector connection failed'));
  });
  let seq = 0;
  const pending = new Map();
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.fail(new Error(`${msg.error.message}`));
    else p.ok(msg.result);
  };
  const call = (method, params = {}, timeoutMs = 10_000) =>
    new Promise((ok, fail) => {
      const id = ++seq;
      const timer = setTimeout(() => {
        pending.delete(id);
        fail(new Error(`inspector: ${method} timed out`));
      }, timeoutMs);
      pending.set(id, {
        ok: (r) => (clearTimeout(timer), ok(r)),
        fail: (e) => (clearTimeout(timer), fail(e)),
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { call, close: () => ws.close() };
}

/** V8 heap of the worker's isolate (Runtime.getHeapUsage), in bytes. */
export async function isolateHeap(mf, workerName = WORKER_NAME) {
  const session = await inspect(mf, workerName);
  try {
    const { usedSize, totalSize } = await session.call('Runtime.getHeapUsage', {}, 5_000);
    return { used: usedSize, total: totalSize };
  } finally {
    session.close();
  }
}

/** Self time by function (excluding idle), heaviest first. */
function topSelfTime(profile, n = 12) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const { callFrame } = nodes.get(id);
    if (callFrame.functionName === '(idle)') return;
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const where = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.split('/').pop()}:${callFrame.lineNumber + 1}`;
    self.set(where, (self.get(where) ?? 0) + us);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([where, us]) => ({ where, pct: Math.round((us / total) * 1000) / 10 }));
}

/** Runs `work()` while the isolate is profiled; writes the profile to `outfile`. */
export async function profileDuring(mf, outfile, work) {
  const session = await inspect(mf);
  try {
    await session.call('Profiler.enable');
    await session.call('Profiler.setSamplingInterval', { interval: 200 });
    await session.call('Profiler.start');
    const result = await work();
    const { profile } = await session.call('Profiler.stop', {}, 30_000);
    writeFileSync(outfile, JSON.stringify(profile));
    return { result, top: topSelfTime(profile) };
  } finally {
    session.close();
  }
}
