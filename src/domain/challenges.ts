import type { Entry } from '../durable-objects/challenge-store/object';
import { orUnavailable } from '../lib/errors';
import type { Deps } from './deps';

/**
 * Single-use, expiring entries in the ChallengeStore: `keep` one under an id, `take` it once; or
 * for a value that travels signed, `claimOnce` remembers its use.
 * Entries of one purpose are spread over SHARDS objects by a hash of their id, so a ceremony
 * never creates an object of its own (the CPU of that was most of a passkey sign-in) and no
 * single object takes every ceremony of a busy deployment.
 */
const SHARDS = 32;

type ChallengeDeps = Pick<Deps, 'challenges' | 'now'>;

/** FNV-1a: a spread, not a secret (the ids are random or already known to their owner). */
function shardOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % SHARDS;
}

const storeFor = (deps: ChallengeDeps, purpose: string, id: string) =>
  deps.challenges.get(deps.challenges.idFromName(`${purpose}:${shardOf(id)}`));

/** Keeps `value` under `purpose`/`id` (replacing an earlier one) for `ttlMs`. */
export async function keepChallenge<T extends object>(
  deps: ChallengeDeps,
  purpose: string,
  id: string,
  value: T,
  ttlMs: number,
): Promise<void> {
  const entry = { ...value, expiresAt: deps.now() + ttlMs };
  await orUnavailable('Challenge store', () => storeFor(deps, purpose, id).put(id, entry));
}

/** Uses up the entry under `purpose`/`id`: null when there is none, it expired, or it was used. */
export async function takeChallenge<T extends object>(
  deps: ChallengeDeps,
  purpose: string,
  id: string,
): Promise<(T & Entry) | null> {
  const entry = await orUnavailable('Challenge store', () =>
    storeFor(deps, purpose, id).take(id, deps.now()),
  );
  return entry as (T & Entry) | null;
}

/** The first use of `purpose`/`id` (remembered until `expiresAt`): true once, then false. */
export const claimOnce = (deps: ChallengeDeps, purpose: string, id: string, expiresAt: number) =>
  orUnavailable('Challenge store', () => storeFor(deps, purpose, id).claim(id, expiresAt));
