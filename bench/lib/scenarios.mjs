// The scenario list of `npm run bench`. Each scenario runs at every concurrency in
// CONCURRENCIES, after a short warm-up, and reports requests/s, p50, p99 and errors.
//
// Adding a hot path (validate, authorize, analytics ingest, ...) is one entry in SCENARIOS:
//   {
//     id: 'validate',                          // key in results.json and in targets
//     label: 'POST /auth/validate',            // row name in the table
//     target: 'worker',                        // HTTP: 'worker', 'peer' or a floor worker
//                                              // ('pbkdf2', 'dofloor': the floors worker of
//                                              // runtime.mjs); 'node': in-process
//     expect: 200,                             // any other status counts as an error
//     validate: (body) => body.includes('"valid":true'),  // optional body check
//     setup: async (ctx) => state,             // optional, once, before the warm-up (seed here)
//     request: (ctx, state) => ({ method, path, headers, body, setupRequest, onResponse }),
//   }
// `request` is an autocannon request, built once per run; use setupRequest to vary each request
// (fresh emails, rotating tokens) and onResponse to collect what later scenarios need into
// ctx.state (users, sessions). `node` scenarios give `op: (ctx, state) => () => Promise` instead;
// so does a `worker` scenario whose operation takes several requests (passkey_sign_in).
// Scenarios run in list order: a later one may use what an earlier one left in ctx.state, and
// the ensure* helpers below seed whatever is missing when run alone (--only=...).
import { createLocalJWKSet, jwtVerify } from 'jose';
import { DEVELOPMENT_VARS } from '../../scripts/dev-values.mjs';
import { SoftPasskey } from './passkey.mjs';
import { fanOutScenario } from './webhooks.mjs';

export const CONCURRENCIES = [1, 10];
/** The service key the bench worker is started with (analytics ingest is for services). */
const BENCH_SERVICE_KEY = 'bench-service-key-0123456789abcdef0123456789';
/** The scopes the scenarios' service calls need (docs/service-access.md). */
const BENCH_SCOPES = [
  'tokens:validate',
  'users:read',
  'permissions:read',
  'analytics:write',
  'metrics:read',
];
/**
 * The vars the bench starts a worker with. A worker from before scoped keys (a --baseline ref)
 * reads only the bare-string form, which a scoped worker takes as read-only.
 */
export const benchVars = ({ scopedKeys = true, breached = null } = {}) => ({
  SERVICE_API_KEYS: JSON.stringify({
    bench: scopedKeys ? { key: BENCH_SERVICE_KEY, scopes: BENCH_SCOPES } : BENCH_SERVICE_KEY,
  }),
  // wrangler.toml's production default asks Have I Been Pwned on every new password: the bench
  // never leaves the machine, so the check is off unless --breached-passwords points it at the
  // loopback fake (bench/lib/pwned.mjs).
  ...(breached
    ? { BREACHED_PASSWORDS: breached.mode, BREACHED_PASSWORDS_URL: breached.url }
    : { BREACHED_PASSWORDS: 'off' }),
});

const LOGIN_USERS = 30;
const PASSWORD = 'Vermilion-Otter-42';
const JSON_HEADERS = { 'content-type': 'application/json' };
const SERVICE_HEADERS = { ...JSON_HEADERS, 'x-api-key': BENCH_SERVICE_KEY };

/** A metrics batch of `n` data points, as a metering service would send it. */
const metricsBatch = (name, n) =>
  JSON.stringify({
    metrics: Array.from({ length: n }, (_, i) => ({
      name,
      value: 100 + (i % 50),
      unit: 'ms',
      labels: { model: `m${i % 4}`, route: '/v1/complete' },
      cost_usd: 0.0001,
    })),
  });

/** The data points of `name` the aggregator has rolled up so far. */
async function aggregatedCount(ctx, name) {
  const res = await fetch(`${ctx.worker.url}/analytics/metrics?name=${name}&interval=day`, {
    headers: SERVICE_HEADERS,
  });
  if (res.status !== 200) throw new Error(`GET /analytics/metrics: ${res.status}`);
  const { points } = await res.json();
  return points.reduce((n, p) => n + p.count, 0);
}

const DRAIN_BATCHES = 100;
let drainSeq = 0;
const DRAIN_BATCH_SIZE = 100;

/**
 * The consumer's throughput: DRAIN_BATCHES × DRAIN_BATCH_SIZE data points sent as fast as the
 * ingest route takes them, then the time until the aggregator has rolled up the last one
 * (polled through the read route). One figure: aggregated events per second, from the first
 * send to the last rolled-up point; it includes the queue's batch timeout at the end.
 */
async function measureDrain(ctx, scenario) {
  // A name of its own per repetition: the count polled below is of this run's points only.
  const name = `bench_drain_${runTag}_${drainSeq++}`;
  const total = DRAIN_BATCHES * DRAIN_BATCH_SIZE;
  const body = metricsBatch(name, DRAIN_BATCH_SIZE);
  const started = performance.now();
  let errors = 0;
  await pool(DRAIN_BATCHES, 4, async () => {
    const res = await fetch(`${ctx.worker.url}/analytics/metrics/batch`, {
      method: 'POST',
      headers: SERVICE_HEADERS,
      body,
    });
    await res.text();
    if (res.status !== 202) errors++;
  });
  const sentMs = performance.now() - started;
  const deadline = Date.now() + 120_000;
  let done;
  while ((done = await aggregatedCount(ctx, name)) < total - errors * DRAIN_BATCH_SIZE) {
    if (Date.now() > deadline) throw new Error(`only ${done} of ${total} aggregated in 120 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  return [
    {
      id: scenario.id,
      label: scenario.label,
      target: scenario.target,
      concurrency: 4,
      rps: Math.round((done / seconds) * 10) / 10,
      p50: null,
      p99: null,
      errors,
      cpuMsPerReq: null,
      aggregated: done,
      sendSeconds: Math.round(sentMs) / 1000,
      totalSeconds: Math.round(seconds * 1000) / 1000,
    },
  ];
}

/**
 * Requests carry CF-Connecting-IP, as Cloudflare's edge sets it, so the per-IP rate limits (the
 * Rate Limiting bindings, Miniflare's local implementation here) run as in production. Each
 * simulated client address sends REQUESTS_PER_CLIENT requests to a route and then gives way to
 * a new one: fewer than the per-IP limits allow in a minute, so the limiter's cost is measured
 * and never its refusals.
 */
const REQUESTS_PER_CLIENT = 20;
const ipSeq = {};
const nextIp = (route) => {
  const n = Math.floor((ipSeq[route] = (ipSeq[route] ?? 0) + 1) / REQUESTS_PER_CLIENT);
  return `10.${n >> 16}.${(n >> 8) & 255}.${n & 255}`;
};

const runTag = Date.now().toString(36);
let emailSeq = 0;
const nextEmail = (kind) => `bench-${kind}-${runTag}-${(emailSeq++).toString(36)}@example.com`;
/** A sign-up's own password, from its unique address: its SHA-1 prefix differs from others'. */
const passwordOf = (email) => `${PASSWORD}-${email.split('@')[0].split('-').slice(-2).join('-')}`;

const parse = (body) => {
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
};

async function post(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers };
}

/** Runs `task(i)` for i < n, `width` at a time; throws on the first failure. */
async function pool(n, width, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

/** At least `n` registered users of the worker in ctx.state.users. */
async function ensureUsers(ctx, n) {
  const missing = n - ctx.state.users.length;
  await pool(Math.max(0, missing), 4, async () => {
    const email = nextEmail('seed');
    const res = await post(
      `${ctx.worker.url}/auth/register`,
      { email, password: PASSWORD },
      { 'cf-connecting-ip': nextIp('register') },
    );
    if (res.status !== 201) throw new Error(`seeding a user: ${res.status} ${res.text}`);
    ctx.state.users.push({ email });
  });
}

const subjectOf = (accessToken) =>
  JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).sub;

/** Keeps a login's token pair, with its user, for the scenarios that need a live session. */
function recordSession(ctx, tokens) {
  ctx.state.sessions.push({
    access: tokens.access_token,
    refresh: tokens.refresh_token,
    sub: subjectOf(tokens.access_token),
  });
}

/**
 * The sessions that are still live: starting a session beyond MAX_SESSIONS_PER_USER ends the
 * user's oldest, so only each user's newest ones count (one spare for logins still in flight).
 */
function liveSessions(ctx) {
  const max = Number(ctx.vars?.MAX_SESSIONS_PER_USER ?? Infinity) - 1;
  const seen = new Map();
  const live = [];
  for (let i = ctx.state.sessions.length - 1; i >= 0; i--) {
    const session = ctx.state.sessions[i];
    const count = seen.get(session.sub) ?? 0;
    if (count < max) live.push(session);
    seen.set(session.sub, count + 1);
  }
  return live.reverse();
}

/** Logs `n` users in (round-robin over ctx.state.users) and adds their sessions to the state. */
async function addSessions(ctx, n) {
  await ensureUsers(ctx, Math.min(n, 100));
  const offset = ctx.state.sessions.length;
  await pool(Math.max(0, n), 4, async (i) => {
    const { email, password = PASSWORD } = ctx.state.users[(offset + i) % ctx.state.users.length];
    const res = await post(
      `${ctx.worker.url}/auth/login`,
      { email, password },
      { 'cf-connecting-ip': nextIp('login') },
    );
    const body = parse(res.text);
    if (res.status !== 200 || !body?.refresh_token)
      throw new Error(`seeding a session: ${res.status} ${res.text}`);
    recordSession(ctx, body);
  });
}

/** At least `n` live sessions (access token + refresh token) in ctx.state.sessions. */
const ensureSessions = (ctx, n) => addSessions(ctx, n - liveSessions(ctx).length);

/** At least `n` users of the peer in ctx.state.peerUsers. */
async function ensurePeerUsers(ctx, n) {
  await pool(Math.max(0, n - ctx.state.peerUsers.length), 2, async () => {
    const email = nextEmail('peer');
    const res = await post(
      `${ctx.peer.url}/api/auth/sign-up/email`,
      { email, password: PASSWORD, name: 'Bench User' },
      { origin: ctx.peer.url },
    );
    if (res.status !== 200) throw new Error(`seeding a peer user: ${res.status} ${res.text}`);
    ctx.state.peerUsers.push({ email });
  });
}

const sessionCookie = (setCookie) =>
  [setCookie]
    .flat()
    .filter(Boolean)
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith('better-auth.session_token=')) ?? null;

/** At least `n` peer session cookies in ctx.state.peerCookies. */
async function ensurePeerCookies(ctx, n) {
  await ensurePeerUsers(ctx, n);
  await pool(Math.max(0, n - ctx.state.peerCookies.length), 2, async (i) => {
    const { email } = ctx.state.peerUsers[i % ctx.state.peerUsers.length];
    const res = await post(
      `${ctx.peer.url}/api/auth/sign-in/email`,
      { email, password: PASSWORD },
      { origin: ctx.peer.url },
    );
    const cookie = sessionCookie(res.headers.getSetCookie());
    if (res.status !== 200 || !cookie) throw new Error(`seeding a peer session: ${res.status}`);
    ctx.state.peerCookies.push(cookie);
  });
}

/**
 * Passkeys, one per seeded user, registered in a fresh session (no password asked). Each is
 * used by one sign-in at a time: parallel assertions of one credential would race its counter,
 * and the loser would be refused as a clone.
 */
const PASSKEY_USERS = 20;
async function ensurePasskeys(ctx, n) {
  ctx.state.passkeys ??= [];
  await ensureUsers(ctx, n);
  const offset = ctx.state.passkeys.length;
  await pool(Math.max(0, n - offset), 4, async (i) => {
    const { email, password = PASSWORD } = ctx.state.users[(offset + i) % ctx.state.users.length];
    const ip = { 'cf-connecting-ip': nextIp('login') };
    const login = await post(`${ctx.worker.url}/auth/login`, { email, password }, ip);
    const token = parse(login.text)?.access_token;
    if (!token) throw new Error(`seeding a passkey (login): ${login.status} ${login.text}`);
    const auth = { authorization: `Bearer ${token}` };
    const started = await post(`${ctx.worker.url}/passkeys/register/options`, {}, auth);
    if (started.status !== 200) throw new Error(`seeding a passkey: ${started.status}`);
    const passkey = await SoftPasskey.create();
    const response = await passkey.register(parse(started.text).options);
    const done = await post(`${ctx.worker.url}/passkeys/register/verify`, { response }, auth);
    if (done.status !== 201) throw new Error(`seeding a passkey: ${done.status} ${done.text}`);
    ctx.state.passkeys.push(passkey);
  });
  return ctx.state.passkeys.slice(0, n);
}

/** Round-robin over a list that may grow while the run goes on. */
const cycle = (list) => {
  let i = 0;
  return () => list[i++ % list.length];
};

/** A GET to the floors worker (bench/lib/runtime.mjs): one binding call per request, or none. */
const floor = (id, label, path) => ({
  id,
  label,
  target: 'dofloor',
  request: () => ({ method: 'GET', path }),
});

export const SCENARIOS = [
  {
    id: 'floor',
    label: 'floor: GET / (trivial route, same worker)',
    target: 'worker',
    request: () => ({ method: 'GET', path: '/' }),
  },
  {
    id: 'pbkdf2',
    label: 'PBKDF2 floor: one PBKDF2-SHA256 derivation in workerd',
    target: 'pbkdf2',
    request: () => ({ method: 'GET', path: '/' }),
  },
  {
    // The runtime's price for the breached-password check's subrequest, with no code of ours:
    // the range request sent, the PBKDF2 hash while it is answered, then the answer read
    // (bench/lib/breached.mjs sets it beside register's figures). Only with the range API faked.
    id: 'pbkdf2_range',
    label: 'PBKDF2 floor with a range request beside it',
    target: 'pbkdf2',
    rangeApi: true,
    request: () => ({ method: 'GET', path: '/beside-range' }),
  },
  floor(
    'bare',
    'runtime floor: empty answer from a floor worker (the HTTP hop every floor includes)',
    '/none',
  ),
  floor('do_read', 'Durable Object floor: one read call to a warm SQLite-backed object', '/read'),
  floor(
    'do_write',
    'Durable Object floor: one write call (answered once the write is committed)',
    '/write',
  ),
  floor('d1_read', "D1 floor: one small indexed read (the worker's D1 database)", '/d1'),
  floor(
    'ratelimit',
    'Rate Limiting floor: one limit() call of a Rate Limiting binding',
    '/ratelimit',
  ),
  {
    id: 'register',
    label: 'POST /auth/register',
    target: 'worker',
    expect: 201,
    request: (ctx) => ({
      method: 'POST',
      path: '/auth/register',
      headers: JSON_HEADERS,
      setupRequest: (req) => {
        req.headers['cf-connecting-ip'] = nextIp('register');
        // A password of its own per sign-up, as real users have: with the breached-password
        // check on, each asks the range API for its own prefix instead of the edge cache.
        const email = nextEmail('reg');
        req.body = JSON.stringify({ email, password: passwordOf(email) });
        return req;
      },
      onResponse: (status, body) => {
        const user = status === 201 ? parse(body) : null;
        if (user?.email)
          ctx.state.users.push({ email: user.email, password: passwordOf(user.email) });
      },
    }),
  },
  {
    id: 'login',
    label: 'POST /auth/login',
    target: 'worker',
    // LOGIN_USERS distinct users in turn, right passwords: an account's failure counter and
    // lockout never engage, no user has two logins in flight at once, and after the warm-up
    // each user's objects (session store, lockout counter) are warm, as for a returning user.
    setup: (ctx) => ensureUsers(ctx, LOGIN_USERS),
    request: (ctx) => {
      const user = cycle(ctx.state.users.slice(0, LOGIN_USERS));
      return {
        method: 'POST',
        path: '/auth/login',
        headers: JSON_HEADERS,
        setupRequest: (req) => {
          req.headers['cf-connecting-ip'] = nextIp('login');
          const { email, password = PASSWORD } = user();
          req.body = JSON.stringify({ email, password });
          return req;
        },
        onResponse: (status, body) => {
          const t = status === 200 ? parse(body) : null;
          if (t?.refresh_token) recordSession(ctx, t);
        },
      };
    },
  },
  {
    id: 'verify',
    label: 'GET /auth/verify (signature, claims, live session)',
    target: 'worker',
    validate: (body) => body.includes('"valid":true'),
    setup: async (ctx) => {
      await ensureSessions(ctx, 50);
      return {
        tokens: liveSessions(ctx)
          .slice(-200)
          .map((s) => s.access),
      };
    },
    request: (_ctx, { tokens }) => {
      const token = cycle(tokens);
      return {
        method: 'GET',
        path: '/auth/verify',
        setupRequest: (req) => {
          req.headers.authorization = `Bearer ${token()}`;
          return req;
        },
      };
    },
  },
  {
    id: 'verify_local',
    label: 'signature-only verify: jose jwtVerify in Node, JWKS fetched once',
    target: 'node',
    setup: async (ctx) => {
      await ensureSessions(ctx, 50);
      const jwks = await (await fetch(`${ctx.worker.url}/.well-known/jwks.json`)).json();
      return { jwks: createLocalJWKSet(jwks), tokens: ctx.state.sessions.map((s) => s.access) };
    },
    op: (ctx, { jwks, tokens }) => {
      const token = cycle(tokens);
      const options = {
        // The worker runs with the development values over wrangler.toml's (runtime.mjs), and
        // the committed JWT_ISSUER is empty: jose would compare the token's iss with ''.
        issuer: { ...ctx.vars, ...DEVELOPMENT_VARS }.JWT_ISSUER,
        audience: ctx.vars.JWT_AUDIENCE,
        algorithms: ['EdDSA', 'ES256'],
      };
      return () => jwtVerify(token(), jwks, options);
    },
  },
  {
    id: 'refresh',
    label: 'POST /auth/refresh (rotation, single-use tokens)',
    target: 'worker',
    // Each refresh token works once: requests take tokens from a queue and put back the one
    // each answer returns, so every request presents a fresh token of a live session.
    setup: async (ctx) => {
      const unused = () => liveSessions(ctx).filter((s) => s.refresh);
      await addSessions(ctx, 50 - unused().length);
      const queue = unused().map((s) => s.refresh);
      for (const s of ctx.state.sessions) s.refresh = null;
      return { queue };
    },
    request: (_ctx, s) => ({
      method: 'POST',
      path: '/auth/refresh',
      headers: JSON_HEADERS,
      setupRequest: (req) => {
        // An empty queue (only after failed answers) sends a bad token: counted as an error.
        const token = s.queue.shift() ?? 'exhausted-token-pool';
        req.headers['cf-connecting-ip'] = nextIp('refresh');
        req.body = JSON.stringify({ refresh_token: token });
        return req;
      },
      onResponse: (status, body) => {
        const t = status === 200 ? parse(body) : null;
        if (t?.refresh_token) s.queue.push(t.refresh_token);
      },
    }),
  },
  {
    id: 'passkey_sign_in',
    label:
      'passkey sign-in: POST /auth/passkey/options, then /auth/passkey/verify (discoverable, ' +
      'user verified; figures per sign-in, both requests)',
    target: 'worker',
    // Driven from here (two requests and a signature in between); CPU is still workerd's.
    setup: async (ctx) => ({ free: [...(await ensurePasskeys(ctx, PASSKEY_USERS))] }),
    op: (ctx, { free }) => {
      const url = ctx.worker.url;
      return async () => {
        const passkey = free.shift();
        if (!passkey) throw new Error('every passkey is in use');
        try {
          const ip = { 'cf-connecting-ip': nextIp('passkey') };
          const started = await post(`${url}/auth/passkey/options`, {}, ip);
          if (started.status !== 200) throw new Error(`options: ${started.status}`);
          const { challenge_id, options } = parse(started.text);
          const response = await passkey.assert(options);
          const done = await post(`${url}/auth/passkey/verify`, { challenge_id, response }, ip);
          if (done.status !== 200 || !parse(done.text)?.refresh_token)
            throw new Error(`verify: ${done.status} ${done.text}`);
        } finally {
          free.push(passkey);
        }
      };
    },
  },
  // Also before the ingest scenario's backlog, which the same isolate would be draining.
  fanOutScenario({ nextEmail, nextIp, pool }),
  {
    // Before the ingest scenario: its load leaves a backlog on the queue that this would drain.
    id: 'analytics_drain',
    label: `consumer: metrics aggregated per second (${DRAIN_BATCHES} × ${DRAIN_BATCH_SIZE} queued, events/s)`,
    target: 'worker',
    measure: measureDrain,
  },
  {
    id: 'analytics_ingest',
    label: 'POST /analytics/metrics/batch (100 metrics per request, 202s)',
    target: 'worker',
    expect: 202,
    request: () => ({
      method: 'POST',
      path: '/analytics/metrics/batch',
      headers: SERVICE_HEADERS,
      body: metricsBatch(`bench_ingest_${runTag}`, 100),
    }),
  },
  {
    id: 'peer_sign_up',
    label: 'peer: POST /api/auth/sign-up/email',
    target: 'peer',
    request: (ctx) => ({
      method: 'POST',
      path: '/api/auth/sign-up/email',
      headers: { ...JSON_HEADERS, origin: ctx.peer.url },
      setupRequest: (req) => {
        req.body = JSON.stringify({ email: nextEmail('peer'), password: PASSWORD, name: 'B' });
        return req;
      },
      onResponse: (status, body) => {
        const email = status === 200 ? parse(body)?.user?.email : null;
        if (email) ctx.state.peerUsers.push({ email });
      },
    }),
  },
  {
    id: 'peer_sign_in',
    label: 'peer: POST /api/auth/sign-in/email',
    target: 'peer',
    setup: (ctx) => ensurePeerUsers(ctx, 50),
    request: (ctx) => {
      const user = cycle(ctx.state.peerUsers);
      return {
        method: 'POST',
        path: '/api/auth/sign-in/email',
        headers: { ...JSON_HEADERS, origin: ctx.peer.url },
        setupRequest: (req) => {
          req.body = JSON.stringify({ email: user().email, password: PASSWORD });
          return req;
        },
        onResponse: (status, _body, _context, headers) => {
          const name = Object.keys(headers).find((h) => h.toLowerCase() === 'set-cookie');
          const cookie = status === 200 && name ? sessionCookie(headers[name]) : null;
          if (cookie) ctx.state.peerCookies.push(cookie);
        },
      };
    },
  },
  {
    id: 'peer_get_session',
    label: 'peer: GET /api/auth/get-session (cookie)',
    target: 'peer',
    // An unknown or ended session answers 200 with `null`: only a session body counts.
    validate: (body) => body.includes('"session"'),
    setup: async (ctx) => {
      await ensurePeerCookies(ctx, 50);
      return { cookies: ctx.state.peerCookies.slice(0, 200) };
    },
    request: (_ctx, { cookies }) => {
      const cookie = cycle(cookies);
      return {
        method: 'GET',
        path: '/api/auth/get-session',
        setupRequest: (req) => {
          req.headers.cookie = cookie();
          return req;
        },
      };
    },
  },
];
