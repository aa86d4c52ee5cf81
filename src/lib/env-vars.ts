import { z } from 'zod';

// The shapes of wrangler.toml vars (all strings there): numbers, flags, rates and lists, each
// with its default, for src/config.ts (kept out of it so that file stays about the rules).

export const intVar = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
export const boolVar = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/** "limit/seconds", e.g. "100/60": at most 100 requests per 60 s (per IP and route). */
export const rateVar = (fallback: string) =>
  z
    .string()
    .regex(/^\d+\/\d+$/, 'must look like "100/60" (requests/seconds)')
    .default(fallback)
    .transform((v) => {
      const [limit, seconds] = v.split('/').map(Number) as [number, number];
      return { limit, windowMs: seconds * 1000 };
    })
    .refine((r) => r.limit >= 1 && r.windowMs >= 1000, 'limit and window must be positive');

/** A comma-separated list var. */
export const listVar = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
