import { DurableObject } from 'cloudflare:workers';
import {
  acquire,
  record,
  retryAfter,
  upgradeState,
  type BreakerConfig,
  type BreakerState,
  type Ticket,
} from './logic';

/** The answer to `acquire`: a ticket when the call may go out, and the circuit's status. */
export type Admission =
  | {
      allowed: true;
      ticket: Ticket;
      state: BreakerState['status'];
      /** Closed with no failure counted: a success would change nothing, so need not be recorded. */
      clean: boolean;
    }
  | { allowed: false; state: BreakerState['status']; retryAfter: number };

/**
 * CircuitBreaker: one object per outside provider (`idFromName('email:resend')`), so every
 * isolate sees the same circuit and a half-open circuit lets exactly one probe through.
 *
 * Storage (synchronous KV): "state" → BreakerState (its generation numbers the tickets).
 */
export class CircuitBreaker extends DurableObject {
  /**
   * Asks to make one call; `allowed: false` means the circuit is open (make no call; seconds
   * until a probe may go in `retryAfter`). An allowed call gets a ticket to hand back to
   * `record` with its outcome.
   */
  acquire(config: BreakerConfig, now: number = Date.now()): Admission {
    const current = this.load();
    const next = acquire(current, config, now);
    // A closed circuit lets a call through unchanged: no write on the common path.
    if (next.state !== current) this.ctx.storage.kv.put('state', next.state);
    return next.allowed
      ? {
          allowed: true,
          ticket: next.ticket,
          state: next.state.status,
          clean: next.state.status === 'closed' && next.state.failures === 0,
        }
      : {
          allowed: false,
          state: next.state.status,
          retryAfter: retryAfter(next.state, config, now),
        };
  }

  /** Reports the outcome of the call that got `ticket`; a stale ticket is ignored. */
  record(
    config: BreakerConfig,
    ticket: Ticket,
    ok: boolean,
    now: number = Date.now(),
  ): BreakerState['status'] {
    const current = this.load();
    const next = record(current, config, ticket, ok, now);
    if (JSON.stringify(next) !== JSON.stringify(current)) this.ctx.storage.kv.put('state', next);
    return next.status;
  }

  /** The current state, for /health and tests. */
  status(): BreakerState {
    return this.load();
  }

  private load(): BreakerState {
    return upgradeState(this.ctx.storage.kv.get<BreakerState>('state'));
  }
}
