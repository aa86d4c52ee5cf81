import { app } from './app';
import type { Bindings } from './types';

export { CircuitBreaker } from './durable-objects/circuit-breaker';
export { RateLimiter } from './durable-objects/rate-limiter';
export { SessionStore } from './durable-objects/session-store';
export { AuthService } from './rpc';

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Bindings>;
