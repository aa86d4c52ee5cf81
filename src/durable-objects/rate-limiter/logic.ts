/**
 * Sliding-log rate limiting with optional lockout, as a pure function: the RateLimiter Durable
 * Object only loads the state, calls `decide`, and stores the result, so every decision is
 * testable without a runtime and race-free inside the object.
 */
export interface RateRule {
  /** Hits allowed within `windowMs`. */
  limit: number;
  windowMs: number;
  /** When set, reaching `limit` locks the key for this long (account lockout). */
  lockoutMs?: number;
}

export interface RateState {
  /** Times of the hits still inside the window, oldest first (never more than `limit`). */
  hits: number[];
  lockedUntil?: number;
  /** The hit that took the lock and the hits it replaced, so `release` of that hit undoes it. */
  lockedBy?: { at: number; hits: number[] };
}

export interface Decision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** When the oldest hit leaves the window, freeing a slot (or the lock ends); ms since epoch. */
  resetAt: number;
  /** Seconds to wait when refused (Retry-After), 0 when allowed. */
  retryAfter: number;
  /** True when this hit locked the key (for auditing the lock once). */
  lockedNow: boolean;
  locked: boolean;
}

export const EMPTY_STATE: RateState = { hits: [] };

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Records one hit if allowed; returns the decision and the state to store. */
export function decide(
  state: RateState,
  rule: RateRule,
  now: number,
): { decision: Decision; state: RateState } {
  const hits = state.hits.filter((t) => t > now - rule.windowMs);
  const base = { limit: rule.limit, lockedNow: false };
  if (state.lockedUntil !== undefined && state.lockedUntil > now) {
    const decision = {
      ...base,
      allowed: false,
      remaining: 0,
      resetAt: state.lockedUntil,
      retryAfter: seconds(state.lockedUntil - now),
      locked: true,
    };
    const { lockedUntil, lockedBy } = state;
    return { decision, state: { hits, lockedUntil, ...(lockedBy && { lockedBy }) } };
  }
  if (hits.length >= rule.limit) {
    const resetAt = hits[0]! + rule.windowMs;
    return {
      decision: {
        ...base,
        allowed: false,
        remaining: 0,
        resetAt,
        retryAfter: seconds(resetAt - now),
        locked: false,
      },
      state: { hits },
    };
  }
  hits.push(now);
  const full = hits.length >= rule.limit;
  if (full && rule.lockoutMs !== undefined) {
    const lockedUntil = now + rule.lockoutMs;
    const decision = {
      ...base,
      allowed: true,
      remaining: 0,
      resetAt: lockedUntil,
      retryAfter: 0,
      lockedNow: true,
      locked: true,
    };
    // The lock replaces the hits: when it ends, the account starts afresh (LOCKOUT_SECONDS may
    // be shorter than the failure window).
    const lockedBy = { at: now, hits: hits.slice(0, -1) };
    return { decision, state: { hits: [], lockedUntil, lockedBy } };
  }
  // The oldest hit leaving the window frees the next slot.
  const resetAt = hits[0]! + rule.windowMs;
  return {
    decision: {
      ...base,
      allowed: true,
      remaining: rule.limit - hits.length,
      resetAt,
      retryAfter: 0,
      locked: false,
    },
    state: { hits },
  };
}

/**
 * Gives back the slot the hit at `at` took, when what it reserved for turned out to be no failure
 * (a right password whose sign-in goes on to a second step: security.md, only wrong answers
 * count). If that hit took the lock, the lock goes and the hits before it come back.
 */
export function release(state: RateState, at: number): RateState {
  if (state.lockedBy?.at === at) return { hits: state.lockedBy.hits };
  const index = state.hits.indexOf(at);
  if (index < 0) return state;
  return { ...state, hits: state.hits.filter((_, i) => i !== index) };
}
