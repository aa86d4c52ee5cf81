import { getConfig, type Bindings } from './config';
import { createDb } from './db/client';
import { aggregate, pruneAnalytics, recordDeadLetterBatch } from './domain/analytics/aggregator';
import { consumeWebhooks, recordWebhookDeadLetters } from './domain/webhooks/consumer';
import { createLogger } from './lib/logger';
import { loadSecrets } from './lib/secrets';

/** The dead-letter queue of the ANALYTICS consumer (wrangler.toml). */
export const DEAD_LETTER_QUEUE = 'analytics-dlq';
/** The WEBHOOKS queue and its dead-letter queue (wrangler.toml). */
const WEBHOOKS_QUEUE = 'edge-auth-webhooks';
const WEBHOOKS_DEAD_LETTER_QUEUE = 'webhooks-dlq';
// The config defaults, for a deployment whose config does not parse: pruning goes on.
const DEFAULT_RETENTION = { rawDays: 30, rollupDays: 400 };

// The consumers need only the database and a logger, not the request-scoped Deps (no secrets, no origin):
// they run even when a secret is missing, so analytics keeps flowing while /health reports it.
const consumerDeps = (env: Bindings, tag: string) => ({
  db: createDb(env),
  logger: createLogger(`${tag}:${crypto.randomUUID()}`),
  now: Date.now,
});

/**
 * The webhooks consumer signs and notifies, so it needs the configuration and the keys: under a
 * configuration that does not parse, its messages wait (retried) rather than being dropped.
 */
async function webhooks(batch: MessageBatch<unknown>, env: Bindings) {
  const deps = consumerDeps(env, `queue:${batch.queue}`);
  if (batch.queue === WEBHOOKS_DEAD_LETTER_QUEUE) return recordWebhookDeadLetters(deps, batch);
  const config = getConfig(env);
  if (!config.ok) {
    deps.logger.error('webhooks wait: the configuration is invalid', { problems: config.problems });
    return batch.retryAll({ delaySeconds: 300 });
  }
  const secrets = await loadSecrets(config);
  await consumeWebhooks(
    {
      ...deps,
      config,
      breakers: env.BREAKERS,
      keyring: secrets.mfa.keyring,
      webhooks: env.WEBHOOKS,
    },
    batch,
  );
}

/** The Worker's queue() handler: the aggregator, the webhooks, and the dead-letter recorders. */
export async function queue(
  batch: MessageBatch<unknown>,
  env: Bindings,
  _ctx: ExecutionContext,
): Promise<void> {
  if (batch.queue === WEBHOOKS_QUEUE || batch.queue === WEBHOOKS_DEAD_LETTER_QUEUE) {
    return webhooks(batch, env);
  }
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
