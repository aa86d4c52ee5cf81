import { bumpCounter } from '../db/queries/analytics';
import { ApiError } from '../lib/errors';
import { fetchRange, isInRange, sha1Parts } from '../lib/pwned-range';
import type { Deps } from './deps';
import { throughBreaker } from './outbound';

/**
 * New passwords against breached ones (OWASP ASVS 5.0 6.2.12, NIST SP 800-63B 3.1.1.2), through a
 * k-anonymity range API: only the first 5 hex characters of the password's SHA-1 leave the
 * worker. Callers start it beside the PBKDF2 hash (Promise.all), so an API answering within the
 * hash's time adds no latency.
 */

export type BreachDeps = Pick<Deps, 'config' | 'breakers' | 'defer' | 'logger' | 'db'>;

/** The range API's circuit, one per host: pointing the check at a mirror starts a fresh one. */
const breakerName = (baseUrl: string) => `breached-passwords:${new URL(baseUrl).host}`;

/** A range changes when a breach is loaded, a few times a month: a day is fresh enough. */
const CACHE_SECONDS = 86_400;

/** /metrics counters (analytics_counters): refusals, and checks that could not complete. */
export const BREACH_COUNTERS = {
  hit: 'breached_password_hits',
  failed: 'breached_password_check_failures',
} as const;

const count = (deps: BreachDeps, name: string) =>
  deps.defer(
    bumpCounter(deps.db, name, 1).catch((error: unknown) =>
      deps.logger.error('counter write failed', { counter: name, error }),
    ),
  );

/**
 * The range of `key` from the colo's edge cache (Cache API), read for `suffix`; null on a miss.
 * The cache is absent on workers.dev and in some runtimes: a cache that cannot answer (or holds
 * something unreadable) is a miss, never a failure of the check.
 */
async function cachedHit(key: string, suffix: string): Promise<boolean | null> {
  try {
    const res = await caches.default.match(key);
    return res ? isInRange(await res.text(), suffix) : null;
  } catch {
    return null;
  }
}

function keep(deps: BreachDeps, key: string, answer: string) {
  const res = new Response(answer, { headers: { 'Cache-Control': `max-age=${CACHE_SECONDS}` } });
  deps.defer(caches.default.put(key, res).catch(() => undefined));
}

/**
 * Throws 422 BREACHED_PASSWORD when `password` is in the range API's answer with a count above
 * 0. When the API cannot answer (slow, down, unreadable, circuit open) the check is logged and
 * counted; `fail-closed` then answers 503 DEPENDENCY_UNAVAILABLE with Retry-After, `fail-open`
 * lets the password through. `field` names the body field in the 422's `errors`.
 */
export async function assertNotBreached(
  deps: BreachDeps,
  password: string,
  field = 'password',
): Promise<void> {
  const mode = deps.config.BREACHED_PASSWORDS;
  if (mode === 'off') return;
  const { prefix, suffix } = await sha1Parts(password);
  const key = `${deps.config.BREACHED_PASSWORDS_URL}${prefix}`;
  let hit = await cachedHit(key, suffix);
  if (hit === null) {
    const fetched = await throughBreaker(
      deps,
      breakerName(deps.config.BREACHED_PASSWORDS_URL),
      async () => {
        const text = await fetchRange(
          deps.config.BREACHED_PASSWORDS_URL,
          prefix,
          deps.config.BREACHED_PASSWORDS_TIMEOUT_MS,
        );
        // An unreadable answer throws here: a failed call, for the breaker too.
        return { text, hit: isInRange(text, suffix) };
      },
    );
    if (!fetched.ok) {
      count(deps, BREACH_COUNTERS.failed);
      deps.logger.warn('breached-password check failed', {
        reason: fetched.reason,
        mode,
        error: fetched.error,
      });
      if (mode === 'fail-open') return;
      throw new ApiError(
        'DEPENDENCY_UNAVAILABLE',
        'The breached-password check is unavailable: try again shortly',
        { headers: { 'Retry-After': String(fetched.retryAfter) }, cause: fetched.error },
      );
    }
    keep(deps, key, fetched.value.text);
    hit = fetched.value.hit;
  }
  if (hit) {
    count(deps, BREACH_COUNTERS.hit);
    throw new ApiError('BREACHED_PASSWORD', undefined, {
      errors: [{ field, message: 'appears in a known data breach' }],
    });
  }
}
