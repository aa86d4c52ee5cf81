import { app } from './app';
import type { Bindings } from './config';
import { queue, scheduled } from './queue';

export { CircuitBreaker } from './durable-objects/circuit-breaker/object';
export { RateLimiter } from './durable-objects/rate-limiter/object';
export { SessionStore } from './durable-objects/session-store/object';
export { AuthService } from './rpc';

export default {
  fetch: app.fetch,
  queue,
  scheduled,
} satisfies ExportedHandler<Bindings>;
