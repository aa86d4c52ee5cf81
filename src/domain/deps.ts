import type { Bindings, ReadyConfig } from '../config';
import { createDb, type Db } from '../db/client';
import type { ChallengeStore } from '../durable-objects/challenge-store/object';
import type { CircuitBreaker } from '../durable-objects/circuit-breaker/object';
import type { RateLimiter } from '../durable-objects/rate-limiter/object';
import type { SessionStore } from '../durable-objects/session-store/object';
import type { Logger } from '../lib/logger';
import type { Secrets } from '../lib/secrets';
import { domainEventMessage, publishInBackground, type AnalyticsQueue } from './analytics/producer';
import { eventsPort, type Events, type Origin } from './events';
import { publishWebhookEvents } from './webhooks/fan-out';
import type { WebhooksQueue } from './webhooks/messages';

// The edge's database handle where no deps exist: /health and /ready answer under an invalid
// configuration (http/middleware/context.ts).
export { createDb };

/**
 * Everything the domain needs, passed explicitly: HTTP handlers, the AuthService RPC entrypoint,
 * tests and queue consumers build the same object (createDeps), so every caller runs the same
 * logic. No function in src/domain sees a Hono context.
 */
export interface Deps {
  config: ReadyConfig;
  secrets: Secrets;
  db: Db;
  sessions: DurableObjectNamespace<SessionStore>;
  /** Account and per-destination limits and the login lockout (exact, one object per key). */
  limiters: DurableObjectNamespace<RateLimiter>;
  /** Per-IP limits (domain/limits.ts IP_LIMITS): the platform's Rate Limiting bindings. */
  ipLimits: Pick<
    Bindings,
    | 'RATE_LIMIT_LOGIN'
    | 'RATE_LIMIT_REGISTER'
    | 'RATE_LIMIT_REFRESH'
    | 'RATE_LIMIT_FORGOT_PASSWORD'
    | 'RATE_LIMIT_RESEND_VERIFICATION'
  >;
  breakers: DurableObjectNamespace<CircuitBreaker>;
  /** Single-use passkey challenges (one object per challenge). */
  challenges: DurableObjectNamespace<ChallengeStore>;
  events: Events;
  /** The ANALYTICS queue: domain events (through `events`) and ingested events and metrics. */
  analytics: AnalyticsQueue;
  /** The WEBHOOKS queue: events to fan out, and deliveries (a test event, a replay). */
  webhooks: WebhooksQueue;
  logger: Logger;
  origin: Origin;
  /** Runs work after the answer (the runtime's waitUntil): never delays or fails the caller. */
  defer(work: Promise<unknown>): void;
  /**
   * The per-IP limit's verdict on this request (rejects with 429), when a route lets its domain
   * function take it (http/middleware/rate-limit.ts): awaited together with the function's first
   * read, before any write or hash, so the limit costs no round trip of its own. Resolves at
   * once everywhere else.
   */
  admitted(): Promise<void>;
  now(): number;
}

/** The deps of one request or call. */
export function createDeps(
  env: Bindings,
  parts: Pick<Deps, 'config' | 'secrets' | 'logger' | 'origin' | 'defer'> & {
    now?: () => number;
  },
): Deps {
  const db = createDb(env);
  const now = parts.now ?? Date.now;
  return {
    ...parts,
    db,
    sessions: env.SESSIONS,
    limiters: env.RATE_LIMITER,
    ipLimits: env,
    breakers: env.BREAKERS,
    challenges: env.CHALLENGES,
    analytics: env.ANALYTICS,
    webhooks: env.WEBHOOKS,
    events: eventsPort({
      origin: parts.origin,
      defer: parts.defer,
      now,
      publish: (events) => {
        publishInBackground(
          { queue: env.ANALYTICS, db, logger: parts.logger, defer: parts.defer },
          events.map(({ event, at, audit }) => domainEventMessage(event, at, audit)),
        );
        // The webhooks subscriber: its own queue, so webhooks never wait on analytics.
        publishWebhookEvents(
          { queue: env.WEBHOOKS, logger: parts.logger, defer: parts.defer },
          events,
        );
      },
    }),
    admitted: () => Promise.resolve(),
    now,
  };
}
