import { z } from 'zod';
import type { KeyStatus } from './signing-keys';
import { timingSafeEqual } from './crypto';

/**
 * What a service key may do (docs/service-access.md). One scope per kind of operation, so a
 * leaked key does only what its service needed: security review M1 found keys that could mint
 * verified org owners and switch off an admin's second factor.
 */
const SCOPES = [
  'tokens:validate',
  'users:read',
  'permissions:read',
  'users:create',
  'users:verify',
  'users:roles',
  'orgs:members',
  'mfa:reset',
  'analytics:write',
  'metrics:read',
] as const;
export type Scope = (typeof SCOPES)[number];

/** A bare-string key (the format before scopes) means these: reading, never writing. */
export const READ_SCOPES: readonly Scope[] = ['tokens:validate', 'users:read', 'permissions:read'];

const KeySchema = z.union([
  z.string(),
  z.strictObject({ key: z.string(), scopes: z.array(z.enum(SCOPES)) }),
]);

/** SERVICE_API_KEYS: {"billing": {"key": "<key>", "scopes": [...]}, "old": "<key>"}. */
const ServiceKeysSchema = z.record(z.string().regex(/^[\w.-]{1,64}$/), KeySchema);
const MIN_KEY_LENGTH = 32;

export interface ServiceKey {
  name: string;
  key: string;
  scopes: ReadonlySet<Scope>;
}

/**
 * Parses the service keys. An unknown scope makes the whole set 'invalid' (a typo must not
 * silently grant less, or the operator "fixes" it with a broader scope); a short key makes it
 * 'weak'. Either way no key is accepted.
 */
export function loadServiceKeys(raw: string | undefined): {
  status: KeyStatus | 'not_configured';
  keys: ServiceKey[];
} {
  if (!raw?.trim()) return { status: 'not_configured', keys: [] };
  let parsed: z.infer<typeof ServiceKeysSchema>;
  try {
    parsed = ServiceKeysSchema.parse(JSON.parse(raw));
  } catch {
    return { status: 'invalid', keys: [] };
  }
  const keys = Object.entries(parsed).map(([name, entry]) =>
    typeof entry === 'string'
      ? { name, key: entry, scopes: new Set(READ_SCOPES) }
      : { name, key: entry.key, scopes: new Set(entry.scopes) },
  );
  if (keys.some((k) => k.key.length < MIN_KEY_LENGTH)) return { status: 'weak', keys: [] };
  return { status: 'ok', keys };
}

/**
 * The service a presented key belongs to, or null. Every key is compared in constant time and
 * none is skipped, so timing tells nothing about which key was close.
 */
export function matchServiceKey(keys: readonly ServiceKey[], presented: string): ServiceKey | null {
  let match: ServiceKey | null = null;
  for (const entry of keys) {
    if (timingSafeEqual(entry.key, presented)) match = entry;
  }
  return match;
}
