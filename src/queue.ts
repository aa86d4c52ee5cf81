import { getConfig, type Bindings } from './config';
import { createDb } from './db/client';
import { aggregate, pruneAnalytics, recordDeadLetterBatch } from './domain/analytics/aggregator';
import { createLogger } from './lib/logger';

/** The dead-letter queue of the ANALYTICS consumer (wrangler.toml). */
export const DEAD_LETTER_QUEUE = 'analytics-dlq';
const DEFAULT_RETENTION_DAYS = 30;

// The consumers need only the database and a logger, not the request-scoped Deps (no secrets, no origin):
// they run even when a secret is missing, so analytics keeps flowing while /health reports it.
const consumerDeps = (env: Bindings, tag: string) => ({
  db: createDb(env),
  logger: createLogger(`${tag}:${crypto.randomUUID()}`),
  now: Date.now,
});

/** The Worker's queue() handler: the aggregator, and the dead-letter recorder. */
export async function queue(
  batch: MessageBatch<unknown>,
  env: Bindings,
  _ctx: ExecutionContext,
): Promise<void> {
  const deps = consumerDeps(env, `queue:${batch.queue}`);
  if (batch.queue === DEAD_LETTER_QUEUE) await recordDeadLetterBatch(deps, batch);
  else await aggregate(deps, batch);
}

/** The Worker's scheduled() handler (wrangler.toml [triggers]): prunes raw analytics events. */
export async function scheduled(
  _controller: ScheduledController,
  env: Bindings,
  _ctx: ExecutionContext,
): Promise<void> {
  const config = getConfig(env);
  const days = config.ok ? config.ANALYTICS_RETENTION_DAYS : DEFAULT_RETENTION_DAYS;
  await pruneAnalytics(consumerDeps(env, 'cron'), days);
}
