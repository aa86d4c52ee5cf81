/**
 * The bench's round-trip entry (issue 21 §2: the product holds no measuring apparatus): the
 * worker of src/index.ts, unchanged, with every answer saying how many binding calls it waited
 * for, one after another (round-trips.ts), in X-Round-Trips. `npm run bench` bundles this file
 * instead of src/index.ts for its round-trip pass only (bench/run.mjs, roundTripPass); the
 * deployed bundle never contains it, and the header would name the bindings a route touches.
 */
import type { Bindings } from '../../src/config';
import worker from '../../src/index';
import { recorder, summarize, traceBindings } from './round-trips';

export { CircuitBreaker, RateLimiter, SessionStore, AuthService } from '../../src/index';

export default {
  ...worker,
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext) {
    const rec = recorder();
    const res = await worker.fetch(request, traceBindings(env, rec), ctx);
    rec.responded();
    const { depth, critical, path } = summarize(rec);
    const answer = new Response(res.body, res);
    const steps = path.map((step) => step.join(' | ')).join(' > ');
    answer.headers.set('X-Round-Trips', `depth=${depth}; calls=${critical}; path=${steps}`);
    return answer;
  },
} satisfies ExportedHandler<Bindings>;
