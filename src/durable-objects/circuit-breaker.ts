import { DurableObject } from 'cloudflare:workers';
import {
  acquire,
  CLOSED,
  record,
  type BreakerConfig,
  type BreakerState,
} from '../lib/circuit-breaker';

/**
 * CircuitBreaker: one object per outside provider (`idFromName('email:resend')`), so every
 * isolate sees the same circuit and a half-open circuit lets exactly one probe through.
 *
 * Storage (synchronous KV): "state" → BreakerState.
 */
export class CircuitBreaker extends DurableObject {
  /** Asks to make one call; `allowed: false` means the circuit is open (make no call). */
  acquire(
    config: BreakerConfig,
    now: number = Date.now(),
  ): { allowed: boolean; state: BreakerState['status'] } {
    const next = acquire(this.load(), config, now);
    this.ctx.storage.kv.put('state', next.state);
    return { allowed: next.allowed, state: next.state.status };
  }

  /** Reports the outcome of an allowed call. */
  record(config: BreakerConfig, ok: boolean, now: number = Date.now()): BreakerState['status'] {
    const next = record(this.load(), config, ok, now);
    this.ctx.storage.kv.put('state', next);
    return next.status;
  }

  /** The current state, for /health and tests. */
  status(): BreakerState {
    return this.load();
  }

  private load(): BreakerState {
    return this.ctx.storage.kv.get<BreakerState>('state') ?? CLOSED;
  }
}
