import { z } from '@hono/zod-openapi';

const ComponentStatus = z.enum(['ok', 'error', 'missing', 'invalid', 'weak', 'not_configured']);

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    timestamp: z.string().openapi({ format: 'date-time' }),
    version: z.string(),
    database: z.enum(['d1', 'libsql']).openapi({
      description:
        'The active database (D1, or libSQL when LIBSQL_URL is set); `components.database` is its round trip',
    }),
    components: z.object({
      config: ComponentStatus,
      database: ComponentStatus,
      sessions: ComponentStatus,
      rate_limiter: ComponentStatus,
      queue: ComponentStatus,
      secrets: ComponentStatus.openapi({
        description: 'All secrets usable (ok) or not (error); which one only in the detailed view',
      }),
      signing_key: ComponentStatus.optional().openapi({ description: 'Detailed view only' }),
      password_pepper: ComponentStatus.optional().openapi({ description: 'Detailed view only' }),
      service_keys: ComponentStatus.optional().openapi({ description: 'Detailed view only' }),
      mfa_encryption_key: ComponentStatus.optional().openapi({ description: 'Detailed view only' }),
      rsa_signing_key: ComponentStatus.optional().openapi({
        description: 'Detailed view only (the identity provider, optional)',
      }),
    }),
    problems: z
      .array(z.string())
      .optional()
      .openapi({ description: 'Configuration problems, by var name (detailed view only)' }),
  })
  .openapi('Health');

export const ReadySchema = z
  .object({
    ready: z.boolean(),
    missing_tables: z.array(z.string()),
    pending_migrations: z.array(z.string()).openapi({
      description:
        'Migrations of this build not recorded as applied (`wrangler d1 migrations apply DB`, or `npm run db:migrate:libsql`)',
    }),
  })
  .openapi('Ready');

export const ServiceInfoSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    docs: z.string(),
    openapi: z.string(),
    jwks: z.string(),
  })
  .openapi('ServiceInfo');

export const JwksSchema = z
  .object({
    keys: z.array(
      z.looseObject({ kty: z.string(), kid: z.string(), alg: z.string(), use: z.string() }),
    ),
  })
  .openapi('Jwks');
