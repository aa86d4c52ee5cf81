import { getConfig, type Bindings } from './config';
import { createDb } from './db/client';
import { aggregate, pruneAnalytics, recordDeadLetterBatch } from './domain/analytics/aggregator';
import { createLogger } from './lib/logger';

/** The dead-letter queue of the ANALYTICS consumer (wrangler.toml). */
export const DEAD_LETTER_QUEUE = 'analytics-dlq';
// The config defaults, for a deployment whose config does not parse: pruning goes on.
const DEFAULT_RETENTION = { rawDays: 30, rollupDays: 400 };

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

/** The Worker's scheduled() handler (wrangler.toml [triggers]): prunes analytics. */
export async function scheduled(
  _controller: ScheduledController,
  env: Bindings,
  _ctx: ExecutionContext,
): Promise<void> {
  const config = getConfig(env);
  const retention = config.ok
    ? { rawDays: config.ANALYTICS_RAW_RETENTION_DAYS, rollupDays: config.ANALYTICS_RETENTION_DAYS }
    : DEFAULT_RETENTION;
  await pruneAnalytics(consumerDeps(env, 'cron'), retention);
}
