import type { Bindings } from './config';
import { loadAppFor, loadQueue } from './lazy';
import { recorder, summarize, traceBindings } from './lib/round-trips';

export { ChallengeStore } from './durable-objects/challenge-store/object';
export { CircuitBreaker } from './durable-objects/circuit-breaker/object';
export { RateLimiter } from './durable-objects/rate-limiter/object';
export { SessionStore } from './durable-objects/session-store/object';
export { AuthService } from './rpc';

/**
 * `npm run bench` sets BENCH_ROUND_TRIPS on an instance of its own: every answer then says how
 * many binding calls it waited for, one after another (lib/round-trips.ts), in X-Round-Trips.
 * Never outside development: the header names the bindings a route touches.
 */
async function fetchCountingRoundTrips(request: Request, env: Bindings, ctx: ExecutionContext) {
  const rec = recorder();
  const app = await loadAppFor(request);
  const res = await app.fetch(request, traceBindings(env, rec), ctx);
  rec.responded();
  const { depth, critical, path } = summarize(rec);
  const answer = new Response(res.body, res);
  const steps = path.map((step) => step.join(' | ')).join(' > ');
  answer.headers.set('X-Round-Trips', `depth=${depth}; calls=${critical}; path=${steps}`);
  return answer;
}

export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext) {
    const counting =
      (env as { BENCH_ROUND_TRIPS?: string }).BENCH_ROUND_TRIPS === 'true' &&
      env.ENVIRONMENT === 'development';
    if (counting) return fetchCountingRoundTrips(request, env, ctx);
    const app = await loadAppFor(request);
    return app.fetch(request, env, ctx);
  },
  async queue(batch, env, ctx) {
    const { queue } = await loadQueue();
    return queue(batch, env, ctx);
  },
  async scheduled(controller, env, ctx) {
    const { scheduled } = await loadQueue();
    return scheduled(controller, env, ctx);
  },
} satisfies ExportedHandler<Bindings>;
