import { bumpCounter } from '../db/queries/analytics';
import { ApiError } from '../lib/errors';
import { hashPassword } from '../lib/password';
import { requireHasher } from '../lib/secrets';
import { fetchRange, isInRange, sha1Parts } from '../lib/pwned-range';
import type { Deps } from './deps';
import { type Guarded, NO_CALL, throughBreaker } from './outbound';

/**
 * New passwords against breached ones (OWASP ASVS 5.0 6.2.12, NIST SP 800-63B 3.1.1.2), through a
 * k-anonymity range API: only the first 5 hex characters of the password's SHA-1 leave the
 * worker. `hashNewPassword` runs it beside the PBKDF2 hash, so an API answering within the hash's
 * time adds no latency.
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

/**
 * Keeps a range for a day, after the answer (the put is deferred), as it came: padding and all.
 * Sorting out the padding lines would cost a pass over ~900 lines on every miss, on the sign-up's
 * path; a padding line read back from the cache is no hit either.
 */
function keep(deps: BreachDeps, key: string, answer: string) {
  try {
    const res = new Response(answer, {
      headers: { 'Cache-Control': `max-age=${CACHE_SECONDS}` },
    });
    deps.defer(caches.default.put(key, res).catch(() => undefined));
  } catch {
    // No cache in this runtime (cachedHit says so too): nothing to keep.
  }
}

/** The check's outcome when the range API cannot answer: logged, counted, then open or closed. */
function unanswered(deps: BreachDeps, failed: Extract<Guarded<unknown>, { ok: false }>) {
  const mode = deps.config.BREACHED_PASSWORDS;
  count(deps, BREACH_COUNTERS.failed);
  deps.logger.warn('breached-password check failed', {
    reason: failed.reason,
    mode,
    error: failed.error,
  });
  if (mode === 'fail-open') return;
  throw new ApiError(
    'DEPENDENCY_UNAVAILABLE',
    'The breached-password check is unavailable: try again shortly',
    { headers: { 'Retry-After': String(failed.retryAfter) }, cause: failed.error },
  );
}

/**
 * Throws 422 BREACHED_PASSWORD when `password` is in the range API's answer with a count above
 * 0. When the API cannot answer (slow, down, unreadable, circuit open) the check is logged and
 * counted; `fail-closed` then answers 503 DEPENDENCY_UNAVAILABLE with Retry-After, `fail-open`
 * lets the password through. `field` names the body field in the 422's `errors`.
 *
 * The edge-cache lookup and the circuit breaker's admission go out together, so the range
 * request leaves after the slower of the two instead of after both: most prefixes are not in
 * the cache (a million ranges), and its lookup then costs no step of its own. A hit found once
 * admitted makes no call (`NO_CALL`); an open circuit still lets a cached range answer.
 */
async function assertNotBreached(
  deps: BreachDeps,
  password: string,
  field: string,
  onSent: () => void,
): Promise<void> {
  if (deps.config.BREACHED_PASSWORDS === 'off') return;
  const { prefix, suffix } = await sha1Parts(password);
  const key = `${deps.config.BREACHED_PASSWORDS_URL}${prefix}`;
  const lookup = cachedHit(key, suffix);
  const checked = await throughBreaker(
    deps,
    breakerName(deps.config.BREACHED_PASSWORDS_URL),
    async () => {
      const cached = await lookup;
      if (cached !== null) return NO_CALL;
      const text = await fetchRange(
        deps.config.BREACHED_PASSWORDS_URL,
        prefix,
        deps.config.BREACHED_PASSWORDS_TIMEOUT_MS,
        onSent,
      );
      // An unreadable answer throws here: a failed call, for the breaker too.
      const hit = isInRange(text, suffix);
      keep(deps, key, text);
      return hit;
    },
  );
  let hit: boolean;
  if (checked.ok) {
    hit = checked.value === NO_CALL ? (await lookup) === true : checked.value;
  } else {
    const cached = await lookup;
    if (cached === null) return unanswered(deps, checked);
    hit = cached;
  }
  if (hit) {
    count(deps, BREACH_COUNTERS.hit);
    throw new ApiError('BREACHED_PASSWORD', undefined, {
      errors: [{ field, message: 'appears in a known data breach' }],
    });
  }
}

/** Resolves on a later turn of the event loop: a request issued just before then goes out. */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * A new password's breached-password check, started now, and its PBKDF2 hash, computed when asked
 * (`hash()`, which also answers 422 or 503 as `assertNotBreached` says). WebCrypto runs
 * synchronously in workerd: a request issued after the hash starts leaves only once it ends
 * (measured: fetch then hash in Promise.all took their sum). So `hash()` first waits for the
 * check's range request to be on the wire (after the edge cache and the breaker's admission, or
 * for the check to settle without one), lets one turn of the event loop send it, and hashes
 * while the API answers. A caller with reads of its own to make starts the check before them,
 * so that the cache lookup and the admission ride along with those reads.
 */
export function newPassword(
  deps: BreachDeps & Pick<Deps, 'secrets'>,
  password: string,
  field = 'password',
): { hash(): Promise<string> } {
  const hasher = requireHasher(deps.secrets);
  let sent = () => {};
  const onWire = new Promise<void>((resolve) => (sent = resolve));
  const check = assertNotBreached(deps, password, field, sent);
  // Observed at once: a caller that fails before asking for the hash leaves no unhandled refusal.
  const settled = check.then(
    () => undefined,
    () => undefined,
  );
  return {
    async hash() {
      await Promise.race([onWire.then(nextTurn), settled]);
      const [hash] = await Promise.all([hashPassword(hasher, password), check]);
      return hash;
    },
  };
}

/** The hash of a new password, with the breached-password check beside it (`newPassword`). */
export const hashNewPassword = (
  deps: BreachDeps & Pick<Deps, 'secrets'>,
  password: string,
  field = 'password',
) => newPassword(deps, password, field).hash();
