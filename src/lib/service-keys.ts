import { z } from 'zod';
import type { KeyStatus } from './signing-keys';
import { timingSafeEqual } from './crypto';

/** SERVICE_API_KEYS: {"billing": "<key>", ...}; each key at least 32 characters. */
const ServiceKeysSchema = z.record(z.string().regex(/^[\w.-]{1,64}$/), z.string());
const MIN_KEY_LENGTH = 32;

export interface ServiceKey {
  name: string;
  key: string;
}

/** Parses the service keys; a short key makes the whole set 'weak' (and none is accepted). */
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
  const keys = Object.entries(parsed).map(([name, key]) => ({ name, key }));
  if (keys.some((k) => k.key.length < MIN_KEY_LENGTH)) return { status: 'weak', keys: [] };
  return { status: 'ok', keys };
}

/**
 * The service a presented key belongs to, or null. Every key is compared in constant time and
 * none is skipped, so timing tells nothing about which key was close.
 */
export function matchServiceKey(keys: readonly ServiceKey[], presented: string): string | null {
  let match: string | null = null;
  for (const { name, key } of keys) {
    if (timingSafeEqual(key, presented)) match = name;
  }
  return match;
}
