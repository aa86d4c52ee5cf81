/**
 * Round-trip accounting over the bindings (issue 14): in production every D1, Durable Object,
 * queue or rate-limit call leaves the isolate, so what a route costs is how many of them it
 * makes one after another before it answers. `traceBindings` wraps an env so that every such
 * call still goes to the real binding and is recorded; `summarize` turns the record into the
 * sequential depth on the critical path and the totals. Bench and test instrumentation only,
 * outside src/: used by test/round-trips.test.ts and by the bench's round-trip entry (entry.ts,
 * which adds the summary as a header).
 *
 * Order is kept as a sequence number, not a clock: workerd freezes timers between I/O events
 * and local calls often finish within one millisecond, so timestamps cannot tell two parallel
 * calls from two sequential ones. A call issued while another is still pending overlaps it.
 */

export interface Call {
  /** The binding and method, e.g. `SESSIONS.create`, `DB.batch`. */
  name: string;
  start: number;
  end: number;
  /** Wall-clock duration (ms), for reports only. */
  ms: number;
  /** Issued after the answer was handed back (waitUntil work): off the critical path. */
  after: boolean;
}

export interface Recorder {
  calls: Call[];
  /** When the Response was handed back (a sequence number); Infinity until then. */
  answeredAt: number;
  /** Marks the moment the Response is handed back; later calls are post-response work. */
  responded(): void;
  /** Starts recording a call; the returned function ends it. */
  record(name: string): () => void;
}

let sequence = 0;
const tick = () => ++sequence;

export function recorder(): Recorder {
  const rec: Recorder = {
    calls: [],
    answeredAt: Infinity,
    responded() {
      rec.answeredAt = tick();
    },
    record(name) {
      const started = Date.now();
      const call: Call = { name, start: tick(), end: Infinity, ms: 0, after: false };
      call.after = call.start > rec.answeredAt;
      rec.calls.push(call);
      return () => {
        call.end = tick();
        call.ms = Date.now() - started;
      };
    },
  };
  return rec;
}

export interface Summary {
  /** Longest chain of calls on the critical path, each issued after the previous one ended. */
  depth: number;
  /** Calls made before the answer. */
  critical: number;
  /** Every call, the answer's and the post-response work's. */
  total: number;
  /** The chain itself, one group of overlapping calls per step, for messages. */
  path: string[][];
  /** Calls still pending at the answer or issued after it (waitUntil work). */
  offPath: string[];
}

/**
 * Depth of the critical path: a call depends on every call that ended before it was issued, so
 * calls in flight together (Promise.all) count once, and a call that is still pending when the
 * answer goes (not awaited) or that starts after it is not on the path.
 */
export function summarize(rec: Pick<Recorder, 'calls' | 'answeredAt'>): Summary {
  const calls = rec.calls;
  const critical = calls
    .filter((c) => !c.after && c.end <= rec.answeredAt)
    .sort((a, b) => a.start - b.start);
  const level = new Map<Call, number>();
  for (const call of critical) {
    let deepest = 0;
    for (const before of critical) {
      if (before.end < call.start) deepest = Math.max(deepest, level.get(before) ?? 0);
    }
    level.set(call, deepest + 1);
  }
  const depth = Math.max(0, ...level.values());
  const path = Array.from({ length: depth }, (_, i) =>
    critical.filter((c) => level.get(c) === i + 1).map((c) => c.name),
  );
  const offPath = calls.filter((c) => !critical.includes(c)).map((c) => c.name);
  return { depth, critical: critical.length, total: calls.length, path, offPath };
}

/** Wraps a promise-returning call so that it is recorded from its issue to its settling. */
function timed<T>(rec: Recorder, name: string, run: () => T): T {
  const done = rec.record(name);
  let result: T;
  try {
    result = run();
  } catch (err) {
    done();
    throw err;
  }
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    void (result as unknown as PromiseLike<unknown>).then(done, done);
  } else {
    done();
  }
  return result;
}

const isFunction = (v: unknown): v is (...args: unknown[]) => unknown => typeof v === 'function';

/** A Durable Object stub whose every RPC method (and fetch) is recorded. */
function traceStub<S extends object>(rec: Recorder, binding: string, stub: S): S {
  return new Proxy(stub, {
    get(target, prop) {
      // `then` must stay undefined (a stub is not a thenable); id and name are local values.
      if (typeof prop !== 'string' || prop === 'then' || prop === 'id' || prop === 'name') {
        return Reflect.get(target, prop);
      }
      const method = Reflect.get(target, prop) as unknown;
      if (!isFunction(method)) return method;
      return (...args: unknown[]) =>
        timed(rec, `${binding}.${prop}`, () => Reflect.apply(method, target, args));
    },
  });
}

function traceNamespace(rec: Recorder, binding: string, ns: DurableObjectNamespace) {
  return new Proxy(ns, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (!isFunction(value)) return value;
      if (prop === 'get' || prop === 'getByName') {
        return (...args: unknown[]) =>
          traceStub(rec, binding, Reflect.apply(value, target, args) as object);
      }
      // idFromName, newUniqueId, jurisdiction: computed locally, no round trip.
      return value.bind(target);
    },
  });
}

/**
 * D1: a statement's first/all/run/raw and the database's batch/exec are round trips; prepare
 * and bind are local. batch() is handed the real statements, which D1 reads internally.
 */
function traceD1(rec: Recorder, binding: string, db: D1Database): D1Database {
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (!isFunction(value)) return value;
        if (prop === 'bind') {
          return (...args: unknown[]) =>
            wrap(Reflect.apply(value, target, args) as D1PreparedStatement);
        }
        if (prop === 'first' || prop === 'all' || prop === 'run' || prop === 'raw') {
          return (...args: unknown[]) =>
            timed(rec, `${binding}.${prop}`, () => Reflect.apply(value, target, args));
        }
        return value.bind(target);
      },
    });
    real.set(proxy, stmt);
    return proxy;
  };
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (!isFunction(value)) return value;
      if (prop === 'prepare') {
        return (...args: unknown[]) =>
          wrap(Reflect.apply(value, target, args) as D1PreparedStatement);
      }
      if (prop === 'batch') {
        return (stmts: D1PreparedStatement[]) =>
          timed(rec, `${binding}.batch`, () =>
            Reflect.apply(value, target, [stmts.map((s) => real.get(s) ?? s)]),
          );
      }
      if (prop === 'exec' || prop === 'dump') {
        return (...args: unknown[]) =>
          timed(rec, `${binding}.${prop}`, () => Reflect.apply(value, target, args));
      }
      return value.bind(target);
    },
  });
}

/** Any other binding: the named methods are round trips (a queue's send, a limiter's limit). */
function traceMethods<B extends object>(
  rec: Recorder,
  binding: string,
  b: B,
  methods: string[],
): B {
  return new Proxy(b, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (!isFunction(value)) return value;
      if (typeof prop === 'string' && methods.includes(prop)) {
        return (...args: unknown[]) =>
          timed(rec, `${binding}.${prop}`, () => Reflect.apply(value, target, args));
      }
      return value.bind(target);
    },
  });
}

const has = (v: unknown, ...names: string[]) =>
  typeof v === 'object' &&
  v !== null &&
  names.every((n) => isFunction((v as Record<string, unknown>)[n]));

/**
 * The env with every D1 database, Durable Object namespace, queue and rate-limit binding
 * recorded into `rec`; vars, secrets and other bindings are passed through untouched. A new
 * object, so config parsed per env object is parsed again for it.
 */
export function traceBindings<E extends object>(env: E, rec: Recorder): E {
  const traced = { ...env } as Record<string, unknown>;
  for (const [name, value] of Object.entries(env)) {
    if (has(value, 'prepare', 'batch')) traced[name] = traceD1(rec, name, value as D1Database);
    else if (has(value, 'idFromName', 'get'))
      traced[name] = traceNamespace(rec, name, value as DurableObjectNamespace);
    else if (has(value, 'send', 'sendBatch'))
      traced[name] = traceMethods(rec, name, value as object, ['send', 'sendBatch']);
    else if (has(value, 'limit'))
      traced[name] = traceMethods(rec, name, value as object, ['limit']);
  }
  return traced as E;
}
