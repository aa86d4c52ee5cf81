// Load drivers: autocannon for HTTP targets, and a Promise-batch loop for work done inside this
// Node process. Both return the same shape, so every scenario reports alike:
//   { rps, p50, p99, mean, ok, errors, durationS, statuses }
// Latencies are kept per response in fractional milliseconds (autocannon's own histogram rounds
// to whole milliseconds, too coarse for sub-millisecond routes).
import autocannon from 'autocannon';

const running = new Set();

/** Stops every load run in flight (on ^C, before the servers are stopped). */
export function stopLoad() {
  for (const instance of running) instance.stop();
}

/** Percentile (nearest rank) of a sorted Float64Array, in ms rounded to 0.01. */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[rank] * 100) / 100;
}

function summarize(latencies, durationS, extra) {
  const sorted = Float64Array.from(latencies).sort();
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null;
  return {
    rps: durationS > 0 ? Math.round((sorted.length / durationS) * 10) / 10 : 0,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: mean === null ? null : Math.round(mean * 100) / 100,
    ok: sorted.length,
    durationS: Math.round(durationS * 100) / 100,
    ...extra,
  };
}

/**
 * Drives one HTTP request shape at `connections` concurrent keep-alive connections for
 * `durationS` seconds. `request` is an autocannon request ({ method, path, headers, body,
 * setupRequest, onResponse }); a response counts as an error unless its status is `expect` (and
 * its body passes `validate`, when given).
 */
export async function runHttp({ url, request, connections, durationS, expect = 200, validate }) {
  const latencies = [];
  const statuses = {};
  let unexpected = 0;
  let invalid = 0;
  if (validate) {
    const onResponse = request.onResponse;
    request = {
      ...request,
      onResponse: (status, body, context, headers) => {
        if (status === expect && !validate(body)) invalid++;
        onResponse?.(status, body, context, headers);
      },
    };
  }
  const instance = autocannon({
    url,
    connections,
    pipelining: 1,
    duration: durationS,
    timeout: 30,
    requests: [request],
  });
  running.add(instance);
  instance.on('response', (_client, status, _bytes, ms) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === expect) latencies.push(ms);
    else unexpected++;
  });
  let result;
  try {
    result = await instance;
  } finally {
    running.delete(instance);
  }
  const errors = unexpected + invalid + result.errors + result.timeouts;
  return summarize(latencies, result.duration, {
    errors,
    statuses,
    invalidBodies: invalid,
    socketErrors: result.errors,
    timeouts: result.timeouts,
  });
}

/**
 * Runs `op()` inside this process for `durationS` seconds, `concurrency` at a time: batches of
 * `concurrency` calls started together (Promise.all), each call timed from its batch's start.
 * `op` resolves on success and throws on failure.
 */
export async function runInProcess({ op, concurrency, durationS }) {
  const latencies = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationS * 1000;
  while (performance.now() < deadline) {
    const batchStart = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, () =>
        op().then(
          () => latencies.push(performance.now() - batchStart),
          () => errors++,
        ),
      ),
    );
  }
  const elapsedS = (performance.now() - started) / 1000;
  return summarize(latencies, elapsedS, { errors });
}
