import type { Bindings } from './config';
import { loadAppFor, loadQueue } from './lazy';

export { ChallengeStore } from './durable-objects/challenge-store/object';
export { CircuitBreaker } from './durable-objects/circuit-breaker/object';
export { RateLimiter } from './durable-objects/rate-limiter/object';
export { SessionStore } from './durable-objects/session-store/object';
export { AuthService } from './rpc';

export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext) {
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
