import { OpenAPIHono, type RouteConfig, type RouteHandler } from '@hono/zod-openapi';
import type { Config } from './env';
import type { Db } from './db/client';
import type { CircuitBreaker } from './durable-objects/circuit-breaker';
import type { RateLimiter } from './durable-objects/rate-limiter';
import type { SessionStore } from './durable-objects/session-store';
import type { AccessClaims } from './lib/jwt';
import type { Logger } from './lib/logger';
import type { Secrets } from './lib/secrets';
import { validationHook } from './lib/openapi';

/** Bindings declared in wrangler.toml, plus vars and secrets (parsed by env.ts). */
export interface Bindings {
  DB: D1Database;
  SESSIONS: DurableObjectNamespace<SessionStore>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  BREAKERS: DurableObjectNamespace<CircuitBreaker>;
  [name: string]: unknown;
}

export type ReadyConfig = Extract<Config, { ok: true }>;

export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    config: ReadyConfig;
    db: Db;
    logger: Logger;
    secrets: Secrets;
    /** Set by requireAuth on bearer routes: the verified claims of a live session. */
    auth: AccessClaims;
    /** Set by requireService (or requireUserOrService): the calling service's name. */
    service?: string;
  };
}

export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;

export const createRouter = () => new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
