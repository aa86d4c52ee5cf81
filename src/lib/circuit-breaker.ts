/**
 * Circuit breaker as pure functions (Nygard, "Release It!"): closed → open after `threshold`
 * consecutive failures; open refuses every call until `cooldownMs` has passed; then half-open
 * lets exactly one probe through, whose outcome closes or re-opens the circuit. The
 * CircuitBreaker Durable Object stores the state, so all isolates share one circuit.
 */
export interface BreakerConfig {
  threshold: number;
  cooldownMs: number;
}

export type BreakerState =
  | { status: 'closed'; failures: number }
  | { status: 'open'; openedAt: number }
  | { status: 'half_open'; probeAt: number };

export const CLOSED: BreakerState = { status: 'closed', failures: 0 };

/** Whether a call may go out now, and the state after letting it (or not). */
export function acquire(
  state: BreakerState,
  config: BreakerConfig,
  now: number,
): { allowed: boolean; state: BreakerState } {
  switch (state.status) {
    case 'closed':
      return { allowed: true, state };
    case 'open':
      if (now - state.openedAt < config.cooldownMs) return { allowed: false, state };
      return { allowed: true, state: { status: 'half_open', probeAt: now } };
    case 'half_open':
      // One probe at a time; a probe that never reported back is retried after a cool-down.
      if (now - state.probeAt < config.cooldownMs) return { allowed: false, state };
      return { allowed: true, state: { status: 'half_open', probeAt: now } };
  }
}

/** The state after a call's outcome is known. */
export function record(
  state: BreakerState,
  config: BreakerConfig,
  ok: boolean,
  now: number,
): BreakerState {
  if (ok) return CLOSED;
  if (state.status === 'closed') {
    const failures = state.failures + 1;
    return failures >= config.threshold
      ? { status: 'open', openedAt: now }
      : { status: 'closed', failures };
  }
  return { status: 'open', openedAt: now };
}

/** Seconds until an open circuit lets a probe through (Retry-After), 0 when closed. */
export function retryAfter(state: BreakerState, config: BreakerConfig, now: number): number {
  if (state.status === 'closed') return 0;
  const since = state.status === 'open' ? state.openedAt : state.probeAt;
  return Math.max(1, Math.ceil((since + config.cooldownMs - now) / 1000));
}
