import { DurableObject } from 'cloudflare:workers';

/**
 * ChallengeStore: one small object per key (`idFromName(key)`), holding one single-use
 * challenge: a passkey registration's (`passkey-register:<user id>`, a new one replaces the
 * last) or a discoverable sign-in's (`passkey-sign-in:<challenge_id>`). A Durable Object runs
 * one call at a time and `take` deletes what it returns, so of two parallel verifications of one
 * challenge exactly one gets it. The user's SessionStore is kept out of this: a discoverable
 * sign-in does not know its user until the challenge is answered.
 *
 * Storage (synchronous KV): "challenge" → Stored. One alarm at its expiry deletes it.
 */
export interface Stored {
  challenge: string;
  /** Who asked, when that is known (registration; a sign-in started with an email). */
  userId: string | null;
  expiresAt: number;
}

export class ChallengeStore extends DurableObject {
  /** Stores `challenge` in place of any earlier one, until `expiresAt`. */
  async put(stored: Stored): Promise<void> {
    this.ctx.storage.kv.put('challenge', stored);
    await this.ctx.storage.setAlarm(stored.expiresAt);
  }

  /** The challenge, used up by this call; null when there is none or it expired. */
  take(now: number): Stored | null {
    const stored = this.ctx.storage.kv.get<Stored>('challenge');
    if (!stored) return null;
    this.ctx.storage.kv.delete('challenge');
    return stored.expiresAt > now ? stored : null;
  }

  override alarm(): void {
    const stored = this.ctx.storage.kv.get<Stored>('challenge');
    if (stored && stored.expiresAt <= Date.now()) this.ctx.storage.kv.delete('challenge');
  }
}
