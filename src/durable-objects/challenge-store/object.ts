import { DurableObject } from 'cloudflare:workers';

/** What the store keeps: any structured-clonable record with its expiry. */
export interface Entry {
  expiresAt: number;
}

/**
 * ChallengeStore: single-use, expiring entries (a passkey ceremony's challenge, a federated
 * sign-in's state), each under its own key. One object holds the entries of many ceremonies: the
 * domain spreads them over a fixed set of objects per purpose (domain/challenges.ts), because a
 * new object per ceremony cost more CPU than the rest of a passkey sign-in (bench: +5.5 ms, 441
 * objects for 440 sign-ins). A Durable Object runs one call at a time and `take` deletes what it
 * returns, so of two parallel uses of one entry exactly one gets it.
 *
 * Storage (synchronous KV): key → Entry. Taken entries go at once; an alarm sweeps the expired
 * ones that nobody took, at most SWEEP_SLACK_MS after their expiry, one alarm for many entries.
 */
const SWEEP_SLACK_MS = 60_000;

export class ChallengeStore extends DurableObject {
  /** Whether this instance has set the sweep's alarm (a new instance sets it again: harmless). */
  private sweepSet = false;

  /**
   * Stores `entry` under `key`, in place of any earlier one, until `entry.expiresAt`. Synchronous
   * on purpose: the output gate holds the answer until the writes are durable, and an awaited
   * getAlarm on every call cost more than the rest of the call.
   */
  put(key: string, entry: Entry): void {
    this.ctx.storage.kv.put(key, entry);
    if (this.sweepSet) return;
    this.sweepSet = true;
    void this.ctx.storage.setAlarm(entry.expiresAt + SWEEP_SLACK_MS);
  }

  /**
   * Records the first use of `key` (kept until `expiresAt`): true the first time, false after,
   * for values that travel signed and need only their single use remembered.
   */
  claim(key: string, expiresAt: number): boolean {
    if (this.ctx.storage.kv.get(key)) return false;
    this.put(key, { expiresAt });
    return true;
  }

  /** The entry under `key`, used up by this call; null when there is none or it expired. */
  take(key: string, now: number): Entry | null {
    const entry = this.ctx.storage.kv.get<Entry>(key);
    if (!entry) return null;
    this.ctx.storage.kv.delete(key);
    return entry.expiresAt > now ? entry : null;
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    let next: number | null = null;
    for (const [key, entry] of this.ctx.storage.kv.list<Entry>()) {
      if (entry.expiresAt <= now) this.ctx.storage.kv.delete(key);
      else next = Math.min(next ?? Infinity, entry.expiresAt);
    }
    this.sweepSet = next !== null;
    if (next !== null) await this.ctx.storage.setAlarm(next + SWEEP_SLACK_MS);
  }
}
