import type { Deps } from './deps';

/** What became of a call to an outside API made behind its circuit breaker. */
export type Guarded<T> =
  | { ok: true; value: T }
  | { ok: false; reason: 'circuit_open' | 'failed'; retryAfter: number; error?: unknown };

/**
 * What a `call` returns when it found, once admitted, that it need not call after all (a cache
 * answered meanwhile): nothing happened, so nothing is recorded. A half-open circuit's probe
 * left unmade this way is replaced after a cool-down, as a lost one is (`acquire`).
 */
export const NO_CALL: unique symbol = Symbol('no call');

/** Seconds a caller is told to wait after a single failed call (the circuit still closed). */
const RETRY_AFTER_FAILED_SECONDS = 5;

/**
 * Makes one call to an outside API behind that API's circuit breaker (security.md "Outbound
 * URLs": every outbound call has a timeout, which `call` sets, and sits behind the breaker).
 * While the circuit is open no call is made. The outcome is recorded without being awaited
 * (`defer`), so the breaker costs one round trip before the call and none after it.
 * Never throws: the caller decides what an unanswered call means (fail open or closed).
 */
export async function throughBreaker<T>(
  deps: Pick<Deps, 'config' | 'breakers' | 'defer'>,
  name: string,
  call: () => Promise<T>,
): Promise<Guarded<T>> {
  const config = {
    threshold: deps.config.BREAKER_FAILURE_THRESHOLD,
    cooldownMs: deps.config.BREAKER_COOLDOWN_SECONDS * 1000,
  };
  const breaker = deps.breakers.get(deps.breakers.idFromName(name));
  let ticket: number;
  let clean: boolean;
  try {
    const admission = await breaker.acquire(config);
    if (!admission.allowed)
      return { ok: false, reason: 'circuit_open', retryAfter: admission.retryAfter };
    ({ ticket, clean } = admission);
  } catch (error) {
    // Without the circuit's state no call is made: an unknown circuit may be open.
    return { ok: false, reason: 'failed', retryAfter: RETRY_AFTER_FAILED_SECONDS, error };
  }
  const outcome = await call().then(
    (value): Guarded<T> => ({ ok: true, value }),
    (error: unknown): Guarded<T> => ({
      ok: false,
      reason: 'failed',
      retryAfter: RETRY_AFTER_FAILED_SECONDS,
      error,
    }),
  );
  // A success on a clean circuit would change nothing: not recorded (one round trip less per
  // call in the common case). A lost outcome only leaves the circuit as it was; the ticket makes
  // a late one harmless.
  if (!(outcome.ok && (clean || outcome.value === NO_CALL)))
    deps.defer(breaker.record(config, ticket, outcome.ok).catch(() => undefined));
  return outcome;
}
