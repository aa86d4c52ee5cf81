import { z } from '@hono/zod-openapi';
import type { Bindings } from './types';

/**
 * Production Workers refuse PBKDF2 above 100,000 iterations (local workerd does not), so a
 * configuration above it would work in tests and fail in production: refuse it here.
 */
export const PBKDF2_MAX_ITERATIONS = 100_000;
export const PBKDF2_MIN_ITERATIONS = 10_000;

const intVar = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const boolVar = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/** Non-secret vars from wrangler.toml. An invalid value refuses to start (every route 503s). */
export const VarsSchema = z.object({
  ENVIRONMENT: z.enum(['development', 'test', 'staging', 'production']).default('production'),
  JWT_ISSUER: z.string().min(1),
  JWT_AUDIENCE: z.string().min(1),
  ACCESS_TOKEN_TTL_SECONDS: intVar(60, 3600, 900),
  REFRESH_TOKEN_TTL_SECONDS: intVar(3600, 90 * 86400, 30 * 86400),
  PBKDF2_ITERATIONS: intVar(PBKDF2_MIN_ITERATIONS, PBKDF2_MAX_ITERATIONS, PBKDF2_MAX_ITERATIONS),
  PASSWORD_MIN_LENGTH: intVar(8, 128, 8),
  PASSWORD_REQUIRE_COMPOSITION: boolVar(true),
  MAX_BODY_BYTES: intVar(1024, 1024 * 1024, 64 * 1024),
});

/** Secrets: checked separately, so a missing one degrades only the routes that need it. */
export const SecretsSchema = z.object({
  JWT_PRIVATE_KEY: z.string().optional(),
  JWT_PREVIOUS_PUBLIC_KEYS: z.string().optional(),
  PASSWORD_PEPPER: z.string().optional(),
});

export type Vars = z.infer<typeof VarsSchema>;

export type Config =
  ({ ok: true } & Vars & z.infer<typeof SecretsSchema>) | { ok: false; problems: string[] };

const cache = new WeakMap<object, Config>();

/**
 * Parses vars and secrets once per isolate (the runtime hands every request the same `env`
 * object). Never throws: a bad configuration becomes `{ ok: false }` for /health to report.
 */
export function getConfig(env: Bindings): Config {
  let config = cache.get(env);
  if (!config) {
    const vars = VarsSchema.safeParse(env);
    const secrets = SecretsSchema.safeParse(env);
    config =
      vars.success && secrets.success
        ? { ok: true, ...vars.data, ...secrets.data }
        : {
            ok: false,
            problems: [...(vars.error?.issues ?? []), ...(secrets.error?.issues ?? [])].map(
              (i) => `${i.path.join('.')}: ${i.message}`,
            ),
          };
    cache.set(env, config);
  }
  return config;
}
