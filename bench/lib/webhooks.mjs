// The webhooks fan-out row of the bench (issue 27): events per second delivered to 10 endpoints.
// A receiver on loopback (Node's http, answering 204 like a healthy receiver) stands for the
// endpoints; the bench worker runs with ENVIRONMENT=development (runtime.mjs lays the
// development values over wrangler.toml's), whose URL rule allows http:// on loopback, so no
// override of the production rule is needed. An administrator (the operator's grant, as
// `npm run admin -- grant` writes it, redeemed through POST /auth/reset-password) creates the
// endpoints; the events are `user.updated` from profile changes (PUT /auth/profile), which cost
// the worker little: a registration's PBKDF2 would bound the figure instead of the fan-out.
import { createServer } from 'node:http';
import { adminGrantStatements } from '../../scripts/admin-grant.mjs';
import { WORKER_NAME } from './runtime.mjs';

const ENDPOINTS = 10;
const EVENTS = 100;
const ADMIN_PASSWORD = 'Bench-Admin-Otter-42';

/** A loopback receiver answering 204; counts the profile changes of `userId` delivered. */
async function startReceiver() {
  let userId = null;
  let delivered = 0;
  let lastAt = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      res.writeHead(204).end();
      try {
        const event = JSON.parse(body);
        const d = event.data ?? {};
        if (event.type === 'user.updated' && d.change === 'profile' && d.user_id === userId) {
          delivered++;
          lastAt = performance.now();
        }
      } catch {
        // not a delivery of ours
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    watch: (id) => (userId = id),
    delivered: () => delivered,
    lastAt: () => lastAt,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function call(ctx, method, path, { token, json, headers = {} } = {}) {
  const res = await fetch(`${ctx.worker.url}${path}`, {
    method,
    headers: {
      ...(json ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: json ? JSON.stringify(json) : undefined,
  });
  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, text, body };
}

/** An administrator's access token and user id: the operator's grant, redeemed, then a login. */
async function adminToken(ctx, email, ip) {
  const grant = await adminGrantStatements(email);
  const db = await ctx.worker.mf.getD1Database('DB', WORKER_NAME);
  await db.batch(grant.statements.map((sql) => db.prepare(sql)));
  const headers = { 'cf-connecting-ip': ip };
  const reset = await call(ctx, 'POST', '/auth/reset-password', {
    json: { token: grant.token, new_password: ADMIN_PASSWORD },
    headers,
  });
  if (reset.status !== 200) throw new Error(`redeeming the admin grant: ${reset.status}`);
  const login = await call(ctx, 'POST', '/auth/login', {
    json: { email, password: ADMIN_PASSWORD },
    headers,
  });
  if (!login.body?.access_token) throw new Error(`admin login: ${login.status} ${login.text}`);
  const token = login.body.access_token;
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  return { token, userId: claims.sub };
}

/**
 * The fan-out's throughput: EVENTS profile changes (4 at a time), each `user.updated` delivered
 * to ENDPOINTS endpoints, counted by the receiver. One figure: deliveries per second from the
 * first change sent to the last delivery (it includes both queue hops' batch timeouts: the
 * event's, then the deliveries'). The endpoints are deleted afterwards, so later events of the
 * bench deliver nothing.
 */
export function fanOutScenario({ nextEmail, nextIp, pool }) {
  return {
    id: 'webhooks_fanout',
    label: `webhooks: deliveries per second (${EVENTS} user.updated × ${ENDPOINTS} endpoints, deliveries/s)`,
    target: 'worker',
    async measure(ctx, scenario) {
      const receiver = await startReceiver();
      const { token, userId } = await adminToken(ctx, nextEmail('webhook-admin'), nextIp('login'));
      receiver.watch(userId);
      const endpoints = [];
      try {
        for (let i = 0; i < ENDPOINTS; i++) {
          const res = await call(ctx, 'POST', '/webhooks/endpoints', {
            token,
            json: { url: `${receiver.url}/${i}`, event_types: ['user.updated'] },
          });
          if (res.status !== 201)
            throw new Error(`creating an endpoint: ${res.status} ${res.text}`);
          endpoints.push(res.body.endpoint_id);
        }
        const started = performance.now();
        let errors = 0;
        await pool(EVENTS, 4, async (i) => {
          const res = await call(ctx, 'PUT', '/auth/profile', {
            token,
            json: { bio: `bench ${i}` },
            headers: { 'cf-connecting-ip': nextIp('profile') },
          });
          if (res.status !== 200) errors++;
        });
        const sentMs = performance.now() - started;
        const total = (EVENTS - errors) * ENDPOINTS;
        const deadline = Date.now() + 120_000;
        while (receiver.delivered() < total) {
          if (Date.now() > deadline)
            throw new Error(`only ${receiver.delivered()} of ${total} delivered in 120 s`);
          await new Promise((r) => setTimeout(r, 20));
        }
        const seconds = (receiver.lastAt() - started) / 1000;
        return [
          {
            id: scenario.id,
            label: scenario.label,
            target: scenario.target,
            concurrency: 4,
            rps: Math.round((total / seconds) * 10) / 10,
            p50: null,
            p99: null,
            errors,
            cpuMsPerReq: null,
            aggregated: total,
            sendSeconds: Math.round(sentMs) / 1000,
            totalSeconds: Math.round(seconds * 1000) / 1000,
          },
        ];
      } finally {
        for (const id of endpoints)
          await call(ctx, 'DELETE', `/webhooks/endpoints/${id}`, { token }).catch(() => {});
        await receiver.stop();
      }
    },
  };
}
