import { admitCustomType } from '../../db/queries/analytics-limits';
import { findUserById } from '../../db/queries/users';
import { ApiError, orUnavailable } from '../../lib/errors';
import { requireScope, type Caller } from '../access';
import type { Deps } from '../deps';
import { hitLimit } from '../limits';
import {
  ACTIVITY_EVENT_TYPE,
  canonicalLabels,
  type ActivityInput,
  type AnalyticsMessage,
  type MetricInput,
  type MetricMessage,
  type TrackEvent,
} from './messages';
import { enqueueOrUnavailable } from './producer';

const MAX_METRICS_PER_BATCH = 1000;
const MAX_AGE_MS = 7 * 86_400_000;
const MAX_AHEAD_MS = 5 * 60_000;

type IngestDeps = Pick<Deps, 'analytics' | 'logger' | 'now' | 'db' | 'limiters' | 'config'>;

const DAY_MS = 86_400_000;

/** Whose quota an event counts against: the user, or the service (every key its own). */
const quotaKey = (caller: Caller) =>
  caller.kind === 'user' ? `user:${caller.userId}` : `service:${caller.service}`;

/**
 * Security review M3: one user sent 200 event types and made 200 permanent series. Events are
 * limited per caller (RATE_LIMIT_ANALYTICS, 429), and a caller introduces at most
 * ANALYTICS_CUSTOM_TYPES_PER_DAY distinct custom types per UTC day (422 beyond; the types it
 * already sent that day still pass). `customType` is null for the service's own types.
 */
async function admitEvent(deps: IngestDeps, caller: Caller, customType: string | null) {
  const rule = deps.config.RATE_LIMIT_ANALYTICS;
  const decision = await hitLimit(deps, `analytics:${quotaKey(caller)}`, rule);
  if (!decision.allowed) {
    throw new ApiError('RATE_LIMITED', 'Too many analytics events; try again later', {
      headers: {
        'Retry-After': String(decision.retryAfter),
        'X-RateLimit-Limit': String(rule.limit),
        'X-RateLimit-Remaining': '0',
      },
    });
  }
  if (customType === null) return;
  const cap = deps.config.ANALYTICS_CUSTOM_TYPES_PER_DAY;
  const admitted = await orUnavailable('Database', () =>
    admitCustomType(deps.db, {
      caller: quotaKey(caller),
      day: Math.floor(deps.now() / DAY_MS),
      eventType: customType,
      cap,
    }),
  );
  if (!admitted) {
    throw new ApiError('VALIDATION_ERROR', undefined, {
      errors: [
        {
          field: 'event_type',
          message: `at most ${cap} distinct custom event types per day: tell events apart with properties`,
        },
      ],
    });
  }
}

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
  await admitEvent(deps, caller, input.event_type);
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

/**
 * POST /auth/users/{user_id}/activity: a service records what a user did in it. It travels the
 * analytics queue like any event (so it counts in usage under `activity`), and the aggregator
 * also writes it to the user's activity trail. 404 for an unknown user.
 */
export async function recordActivity(
  deps: IngestDeps & Pick<Deps, 'origin'>,
  caller: Caller,
  userId: string,
  input: ActivityInput,
) {
  requireScope(caller, 'analytics:write');
  if (caller.kind !== 'service') throw new ApiError('FORBIDDEN', 'Only services record activity');
  const user = await orUnavailable('Database', () => findUserById(deps.db, userId));
  if (!user) throw new ApiError('NOT_FOUND', 'User not found');
  await admitEvent(deps, caller, null);
  const message: AnalyticsMessage = {
    kind: 'activity',
    event_id: crypto.randomUUID(),
    timestamp: deps.now(),
    event_type: ACTIVITY_EVENT_TYPE,
    user_id: userId,
    org_id: null,
    service: caller.service,
    request_id: deps.origin.requestId,
    action: input.action,
    resource: input.resource,
    metadata: input.metadata ?? {},
  };
  await enqueueOrUnavailable(deps, [message]);
  return { eventId: message.event_id };
}
