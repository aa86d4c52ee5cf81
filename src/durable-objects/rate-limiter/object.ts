import { DurableObject } from 'cloudflare:workers';
import {
  decide,
  EMPTY_STATE,
  release,
  type Decision,
  type RateRule,
  type RateState,
} from './logic';

/**
 * RateLimiter: one SQLite-backed object per key (`idFromName(key)`), e.g. `login-account:<email>`
 * or `ip:login:<ip>`. A Durable Object runs one call at a time, so reserving a slot is atomic:
 * twenty parallel login attempts cannot all see "4 failures so far".
 *
 * Storage (synchronous KV):
 *   "state" → RateState { hits: number[], lockedUntil?: number } and expiresAt, when every hit
 *   has left the window and any lock has ended.
 * One alarm at a time: at expiresAt it deletes the state, or re-arms if newer hits extended it.
 */
type Stored = RateState & { expiresAt: number };

/** When every hit has left the window and any lock has ended: the state can go. */
const expiryOf = (state: RateState, rule: RateRule, now: number) =>
  Math.max((state.hits.at(-1) ?? now) + rule.windowMs, state.lockedUntil ?? 0);

export class RateLimiter extends DurableObject {
  /**
   * Consumes one slot under `rule` if one is free; the answer says whether it was. `earlier`:
   * hits that happened before this key had a limiter (counted only if it has no state yet).
   */
  async hit(rule: RateRule, now: number = Date.now(), earlier: number[] = []): Promise<Decision> {
    const { decision, state } = decide(this.load(earlier), rule, now);
    this.ctx.storage.kv.put('state', { ...state, expiresAt: expiryOf(state, rule, now) });
    // setAlarm is a committed write: arm it once; alarm() re-arms while hits remain.
    if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(expiryOf(state, rule, now));
    return decision;
  }

  /** Gives back the slot of the hit at `at` (logic.ts release); the window's expiry stays. */
  release(at: number): void {
    const stored = this.ctx.storage.kv.get<Stored>('state');
    if (stored)
      this.ctx.storage.kv.put('state', { ...release(stored, at), expiresAt: stored.expiresAt });
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
    const stored = this.ctx.storage.kv.get<Stored>('state');
    if (stored && stored.expiresAt > Date.now()) await this.ctx.storage.setAlarm(stored.expiresAt);
    else this.ctx.storage.kv.delete('state');
  }

  private load(earlier: number[] = []): RateState {
    const stored = this.ctx.storage.kv.get<Stored>('state');
    if (stored) return stored;
    return earlier.length ? { hits: [...earlier].sort((a, b) => a - b) } : EMPTY_STATE;
  }
}
