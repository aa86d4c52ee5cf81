import { DurableObject } from 'cloudflare:workers';
import {
  decide,
  EMPTY_STATE,
  type Decision,
  type RateRule,
  type RateState,
} from '../lib/rate-limit';

/**
 * RateLimiter: one SQLite-backed object per key (`idFromName(key)`), e.g. `login-account:<email>`
 * or `ip:login:<ip>`. A Durable Object runs one call at a time, so reserving a slot is atomic:
 * twenty parallel login attempts cannot all see "4 failures so far".
 *
 * Storage (synchronous KV):
 *   "state" → RateState { hits: number[], lockedUntil?: number }
 * An alarm deletes the state once every hit has left the window and any lock has ended.
 */
export class RateLimiter extends DurableObject {
  /** Consumes one slot under `rule` if one is free; the answer says whether it was. */
  async hit(rule: RateRule, now: number = Date.now()): Promise<Decision> {
    const { decision, state } = decide(this.load(), rule, now);
    this.ctx.storage.kv.put('state', state);
    const expiry = Math.max((state.hits.at(-1) ?? now) + rule.windowMs, state.lockedUntil ?? 0);
    await this.ctx.storage.setAlarm(expiry);
    return decision;
  }

  /** Forgets every hit and any lock (a successful login resets the failure count). */
  reset(): void {
    this.ctx.storage.kv.delete('state');
  }

  /** Liveness probe for /health. */
  ping(): 'ok' {
    return 'ok';
  }

  override async alarm(): Promise<void> {
    this.ctx.storage.kv.delete('state');
  }

  private load(): RateState {
    return this.ctx.storage.kv.get<RateState>('state') ?? EMPTY_STATE;
  }
}
