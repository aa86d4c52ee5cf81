/**
 * Circuit breaker as pure functions (Nygard, "Release It!"): closed → open after `threshold`
 * consecutive failures; open refuses every call until `cooldownMs` has passed; then half-open
 * lets exactly one probe through, whose outcome closes or re-opens the circuit. The
 * CircuitBreaker Durable Object stores the state, so all isolates share one circuit.
 *
 * Every call let through gets a ticket: the circuit's generation when it went out. The
 * generation moves on whenever the circuit changes state or lets a new probe out, and an
 * outcome counts only if its ticket is the current generation. So a slow call from before the
 * circuit opened, or a probe that a retried probe superseded, cannot close (or re-open) a
 * circuit whose state it knows nothing about.
 */
export interface BreakerConfig {
  threshold: number;
  cooldownMs: number;
}

export type BreakerState =
  | { status: 'closed'; failures: number; generation: number }
  | { status: 'open'; openedAt: number; generation: number }
  | { status: 'half_open'; probeAt: number; generation: number };

/** The generation a call was let through in, handed back to `record` with its outcome. */
export type Ticket = number;

export type Acquired =
  { allowed: true; ticket: Ticket; state: BreakerState } | { allowed: false; state: BreakerState };

export const CLOSED: BreakerState = { status: 'closed', failures: 0, generation: 0 };

/** A state stored before tickets existed has no generation: it is generation 0. */
export const upgradeState = (stored: BreakerState | undefined): BreakerState =>
  stored ? { ...stored, generation: stored.generation ?? 0 } : CLOSED;

const probe = (state: BreakerState, now: number): Acquired => {
  const generation = state.generation + 1;
  return {
    allowed: true,
    ticket: generation,
    state: { status: 'half_open', probeAt: now, generation },
  };
};

/** Whether a call may go out now, its ticket if so, and the state after letting it (or not). */
export function acquire(state: BreakerState, config: BreakerConfig, now: number): Acquired {
  switch (state.status) {
    case 'closed':
      return { allowed: true, ticket: state.generation, state };
    case 'open':
      if (now - state.openedAt < config.cooldownMs) return { allowed: false, state };
      return probe(state, now);
    case 'half_open':
      // One probe at a time; a probe that never reported back is replaced after a cool-down
      // (a new ticket, so the lost probe's late outcome no longer counts).
      if (now - state.probeAt < config.cooldownMs) return { allowed: false, state };
      return probe(state, now);
  }
}

/** The state after the outcome of the call holding `ticket`; a stale ticket changes nothing. */
export function record(
  state: BreakerState,
  config: BreakerConfig,
  ticket: Ticket,
  ok: boolean,
  now: number,
): BreakerState {
  if (ticket !== state.generation || state.status === 'open') return state;
  const generation = state.generation + 1;
  if (state.status === 'half_open') {
    return ok
      ? { status: 'closed', failures: 0, generation }
      : { status: 'open', openedAt: now, generation };
  }
  if (ok) return { ...state, failures: 0 };
  const failures = state.failures + 1;
  return failures >= config.threshold
    ? { status: 'open', openedAt: now, generation }
    : { ...state, failures };
}

/** Seconds until an open circuit lets a probe through (Retry-After), 0 when closed. */
export function retryAfter(state: BreakerState, config: BreakerConfig, now: number): number {
  if (state.status === 'closed') return 0;
  const since = state.status === 'open' ? state.openedAt : state.probeAt;
  return Math.max(1, Math.ceil((since + config.cooldownMs - now) / 1000));
}
