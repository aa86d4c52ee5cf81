import {
  aggregateBatch,
  bumpCounter,
  recordDeadLetters,
  type RawEvent,
} from '../../db/queries/analytics';
import { pruneRawEvents, pruneRollups } from '../../db/queries/analytics-limits';
import { insertAuditEntries } from '../../db/queries/audit';
import type { Deps } from '../deps';
import {
  AnalyticsMessageSchema,
  AuditCarrierSchema,
  canonicalLabels,
  type AnalyticsMessage,
} from './messages';
import { auditEntriesOf, auditEntryOf } from './producer';

type ConsumerDeps = Pick<Deps, 'db' | 'logger' | 'now'>;

/** Redelivery waits longer each time: 5 s, 10 s, 20 s, ... at most 5 minutes. */
export const retryDelaySeconds = (attempts: number) =>
  Math.min(300, 5 * 2 ** Math.max(0, attempts - 1));

function rawRow(m: AnalyticsMessage, receivedAt: number): RawEvent {
  const common = {
    eventId: m.event_id,
    userId: m.user_id,
    orgId: m.org_id,
    service: m.service,
    occurredAt: m.timestamp,
    receivedAt,
  };
  if (m.kind === 'activity') {
    const properties = { action: m.action, resource: m.resource };
    return { ...common, kind: 'event', name: m.event_type, sessionId: null, properties };
  }
  return m.kind === 'event'
    ? {
        ...common,
        kind: 'event',
        name: m.event_type,
        sessionId: m.session_id,
        properties: m.properties,
      }
    : {
        ...common,
        kind: 'metric',
        name: m.name,
        value: m.value,
        costUsd: m.cost_usd,
        labels: canonicalLabels(m.labels),
        properties: m.unit ? { unit: m.unit } : {},
      };
}

/**
 * The aggregator (the ANALYTICS queue's consumer). Each message is validated: an invalid one is
 * acked and counted as rejected (retrying cannot fix it, and it must not hold up the rest).
 * The valid ones are written and rolled up in one D1 batch; if D1 fails, they are retried with
 * a growing delay, and after max_retries the queue moves them to the dead-letter queue.
 */
export async function aggregate(deps: ConsumerDeps, batch: MessageBatch<unknown>) {
  const valid: { message: Message<unknown>; row: RawEvent; parsed: AnalyticsMessage }[] = [];
  let rejected = 0;
  // Audit rows of messages refused as analytics: the trail does not depend on the properties.
  const rescued: ReturnType<typeof auditEntriesOf> = [];
  const receivedAt = deps.now();
  for (const message of batch.messages) {
    const parsed = AnalyticsMessageSchema.safeParse(message.body);
    if (parsed.success) {
      valid.push({ message, row: rawRow(parsed.data, receivedAt), parsed: parsed.data });
    } else {
      rejected++;
      deps.logger.warn('analytics message rejected', {
        message_id: message.id,
        problems: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
      });
      const carrier = AuditCarrierSchema.safeParse(message.body);
      if (carrier.success) rescued.push(auditEntryOf(carrier.data.event_id, carrier.data.audit));
      message.ack();
    }
  }
  try {
    if (valid.length || rescued.length) {
      await aggregateBatch(
        deps.db,
        crypto.randomUUID(),
        valid.map((v) => v.row),
        rejected,
        [...auditEntriesOf(valid.map((v) => v.parsed)), ...rescued],
      );
    } else if (rejected) {
      await bumpCounter(deps.db, 'rejected', rejected);
    }
  } catch (err) {
    deps.logger.error('analytics aggregation failed; retrying the batch', {
      messages: valid.length,
      rejected_uncounted: rejected,
      error: err,
    });
    for (const { message } of valid) {
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
    return { aggregated: 0, rejected, retried: valid.length };
  }
  for (const { message } of valid) message.ack();
  return { aggregated: valid.length, rejected, retried: 0 };
}

const MAX_DEAD_LETTER_BYTES = 16_384;

/**
 * A dead letter is kept without its audit row (addresses, the email of a failed sign-in): the
 * row itself is written to the audit trail in the same batch, and analytics keeps no such data.
 */
const withoutAudit = (body: unknown) =>
  body !== null && typeof body === 'object' && 'audit' in body
    ? { ...body, audit: undefined }
    : body;

/**
 * The dead-letter queue's consumer: records each message for inspection. If D1 is still down,
 * the batch is retried (the DLQ has retries of its own); nothing is dropped silently.
 */
export async function recordDeadLetterBatch(deps: ConsumerDeps, batch: MessageBatch<unknown>) {
  const now = deps.now();
  try {
    // Audit rows are not analytics: a dead-lettered event's row is written all the same (once
    // per event id, so a retried dead-letter batch writes nothing twice).
    const audit = auditEntriesOf(
      batch.messages.flatMap((m) => {
        const parsed = AnalyticsMessageSchema.safeParse(m.body);
        return parsed.success ? [parsed.data] : [];
      }),
    );
    await Promise.all([
      recordDeadLetters(
        deps.db,
        batch.messages.map((m) => ({
          messageId: m.id,
          queue: batch.queue,
          attempts: m.attempts,
          body: JSON.stringify(withoutAudit(m.body) ?? null).slice(0, MAX_DEAD_LETTER_BYTES),
          receivedAt: now,
        })),
      ),
      insertAuditEntries(deps.db, audit),
    ]);
  } catch (err) {
    deps.logger.error('dead letters not recorded; retrying', {
      messages: batch.messages.length,
      error: err,
    });
    batch.retryAll({ delaySeconds: 60 });
    return;
  }
  deps.logger.warn('analytics messages dead-lettered', { messages: batch.messages.length });
  batch.ackAll();
}

const DAY_MS = 86_400_000;

/**
 * The cron job: raw events past their retention, hourly rollups past theirs (security review
 * M3: rollups were permanent), and the custom-type quota of days before yesterday.
 */
export async function pruneAnalytics(
  deps: ConsumerDeps,
  retention: { rawDays: number; rollupDays: number },
) {
  const now = deps.now();
  const deleted = await pruneRawEvents(deps.db, now - retention.rawDays * DAY_MS);
  await pruneRollups(deps.db, now - retention.rollupDays * DAY_MS, Math.floor(now / DAY_MS) - 1);
  deps.logger.info('analytics pruned', {
    raw_deleted: deleted,
    raw_retention_days: retention.rawDays,
    rollup_retention_days: retention.rollupDays,
  });
  return deleted;
}
