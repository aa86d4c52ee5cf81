import { ApiError } from '../../lib/errors';
import { requireScope, type Caller } from '../access';
import type { Deps } from '../deps';
import {
  canonicalLabels,
  type AnalyticsMessage,
  type MetricInput,
  type MetricMessage,
  type TrackEvent,
} from './messages';
import { enqueueOrUnavailable } from './producer';

export const MAX_METRICS_PER_BATCH = 1000;
const MAX_AGE_MS = 7 * 86_400_000;
const MAX_AHEAD_MS = 5 * 60_000;

type IngestDeps = Pick<Deps, 'analytics' | 'logger' | 'now'>;

/** When it happened: the caller's timestamp inside the window, or now. */
function occurredAt(now: number, timestamp: string | undefined, field: string) {
  if (timestamp === undefined) return { at: now };
  const at = Date.parse(timestamp);
  if (at < now - MAX_AGE_MS || at > now + MAX_AHEAD_MS) {
    return { at, problem: { field, message: 'must be at most 7 days old and 5 minutes ahead' } };
  }
  return { at };
}

const outOfRange = (errors: { field: string; message: string }[]) =>
  new ApiError('TIMESTAMP_OUT_OF_RANGE', undefined, { errors });

/**
 * A custom event, on the queue when this returns. A user sends events about themself only; a
 * service names any user (or none).
 */
export async function trackEvent(deps: IngestDeps, caller: Caller, input: TrackEvent) {
  requireScope(caller, 'analytics:write');
  if (caller.kind === 'user' && input.user_id !== undefined && input.user_id !== caller.userId) {
    throw new ApiError('FORBIDDEN', 'A user may only send events about themself');
  }
  const { at, problem } = occurredAt(deps.now(), input.timestamp, 'timestamp');
  if (problem) throw outOfRange([problem]);
  const message: AnalyticsMessage = {
    kind: 'event',
    event_id: crypto.randomUUID(),
    timestamp: at,
    event_type: input.event_type,
    user_id: caller.kind === 'user' ? caller.userId : (input.user_id ?? null),
    org_id: null,
    service: caller.kind === 'service' ? caller.service : null,
    session_id: caller.kind === 'user' ? caller.sessionId : null,
    properties: input.properties ?? {},
  };
  await enqueueOrUnavailable(deps, [message]);
  return { accepted: 1, event_id: message.event_id };
}

/** Metric data points from a service: all on the queue, or none (422/413 refuse the lot). */
export async function recordMetrics(
  deps: IngestDeps,
  caller: Caller,
  inputs: MetricInput[],
  asBatch: boolean,
) {
  requireScope(caller, 'analytics:write');
  const service = caller.kind === 'service' ? caller.service : 'unknown';
  if (inputs.length > MAX_METRICS_PER_BATCH) {
    throw new ApiError(
      'BATCH_TOO_LARGE',
      `A batch holds at most ${MAX_METRICS_PER_BATCH} metrics (got ${inputs.length})`,
    );
  }
  const now = deps.now();
  const problems: { field: string; message: string }[] = [];
  const messages: MetricMessage[] = inputs.map((m, i) => {
    const field = asBatch ? `metrics.${i}.timestamp` : 'timestamp';
    const { at, problem } = occurredAt(now, m.timestamp, field);
    if (problem) problems.push(problem);
    return {
      kind: 'metric',
      event_id: crypto.randomUUID(),
      timestamp: at,
      user_id: m.user_id ?? null,
      org_id: m.org_id ?? null,
      service,
      name: m.name,
      value: m.value,
      unit: m.unit ?? null,
      labels: JSON.parse(canonicalLabels(m.labels ?? {})) as Record<string, string>,
      cost_usd: m.cost_usd ?? null,
    };
  });
  if (problems.length) throw outOfRange(problems);
  await enqueueOrUnavailable(deps, messages);
  return { accepted: messages.length };
}
