import { z } from 'zod';
import {
  costGroups,
  countRecent,
  dashboardFigures,
  eventTotals,
  metricSeries,
  readCounters,
  usageTotals,
  type CostGroup,
  type UsageSubject,
} from '../../db/queries/analytics';
import { ApiError, orUnavailable } from '../../lib/errors';
import { assertSelfOrAdmin, assertServiceOrAdmin, type Caller } from '../access';
import type { Deps } from '../deps';
import { LabelsSchema } from './messages';

export { COST_GROUPS } from '../../db/queries/analytics';

type ReadDeps = Pick<Deps, 'db' | 'now'>;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const DEFAULT_SPAN_MS = 30 * DAY_MS;
const MAX_SPAN_MS = 366 * DAY_MS;

export interface Range {
  from: number;
  to: number;
}

/** `?from&to` as ISO datetimes: defaults to the last 30 days; at most a year; from < to. */
export function rangeOf(now: number, from?: string, to?: string): Range {
  const end = to === undefined ? now : Date.parse(to);
  const start = from === undefined ? end - DEFAULT_SPAN_MS : Date.parse(from);
  const errors: { field: string; message: string }[] = [];
  if (start >= end) errors.push({ field: 'from', message: 'must be before to' });
  if (end - start > MAX_SPAN_MS) errors.push({ field: 'from', message: 'at most 366 days span' });
  if (errors.length) throw new ApiError('VALIDATION_ERROR', undefined, { errors });
  return { from: start, to: end };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `label.K=V` query parameters as label filters (422 for a name or value labels refuse). */
export function labelFilters(query: Record<string, string>): Record<string, string> {
  const labels = Object.fromEntries(
    Object.entries(query)
      .filter(([k]) => k.startsWith('label.'))
      .map(([k, v]) => [k.slice('label.'.length), v]),
  );
  const parsed = LabelsSchema.safeParse(labels);
  if (!parsed.success) {
    throw new ApiError('VALIDATION_ERROR', undefined, {
      errors: parsed.error.issues.map((i) => ({
        field: `label.${String(i.path[0] ?? '')}`,
        message: i.message,
      })),
    });
  }
  return parsed.data;
}

export const IntervalSchema = z.enum(['hour', 'day']);

/** A metric's time series (admin or service). */
export async function metricPoints(
  deps: ReadDeps,
  caller: Caller,
  q: {
    name: string;
    interval: z.infer<typeof IntervalSchema>;
    labels: Record<string, string>;
  } & Range,
) {
  await assertServiceOrAdmin(deps, caller, 'metrics:read');
  const rows = await orUnavailable('Database', () =>
    metricSeries(deps.db, { ...q, bucketMs: q.interval === 'day' ? DAY_MS : HOUR_MS }),
  );
  return {
    name: q.name,
    interval: q.interval,
    points: rows.map((r) => {
      const count = Number(r.count);
      return {
        t: iso(Number(r.t)),
        count,
        sum: Number(r.sum),
        min: Number(r.min),
        max: Number(r.max),
        avg: count ? Number(r.sum) / count : 0,
      };
    }),
  };
}

/** What a user or an organization used over a range (the HTTP edge shapes it). */
export interface Usage {
  range: Range;
  eventsByType: Record<string, number>;
  logins: number;
  failedLogins: number;
  /** Metered calls: metrics recorded for the subject. */
  apiCalls: number;
  costUsd: number;
}

/**
 * The usage of a user or an organization over a range, from the hourly rollups (so at hour
 * granularity). The organizations feature reads an org's usage with `{ orgId }`.
 */
export async function usageOf(
  deps: Pick<Deps, 'db'>,
  who: UsageSubject,
  range: Range,
): Promise<Usage> {
  const totals = await orUnavailable('Database', () =>
    usageTotals(deps.db, who, range.from, range.to),
  );
  return {
    range,
    eventsByType: totals.eventsByType,
    logins: totals.eventsByType.login_succeeded ?? 0,
    failedLogins: totals.eventsByType.login_failed ?? 0,
    apiCalls: totals.apiCalls,
    costUsd: totals.costUsd,
  };
}

/** GET /analytics/usage/{user_id}: the user themself, an admin or a service (users:read). */
export async function userUsage(
  deps: ReadDeps,
  caller: Caller,
  userId: string,
  range: Range,
): Promise<Usage> {
  await assertSelfOrAdmin(deps, caller, userId, 'users:read');
  return usageOf(deps, { userId }, range);
}

/** The cost breakdown (admin or service). */
export async function costBreakdown(
  deps: ReadDeps,
  caller: Caller,
  groupBy: CostGroup,
  range: Range,
) {
  await assertServiceOrAdmin(deps, caller, 'metrics:read');
  const rows = await orUnavailable('Database', () =>
    costGroups(deps.db, groupBy, range.from, range.to),
  );
  const groups = rows.map((r) => ({
    key: r.key,
    cost_usd: Number(r.cost),
    count: Number(r.count),
  }));
  return {
    group_by: groupBy,
    from: iso(range.from),
    to: iso(range.to),
    total_usd: groups.reduce((sum, g) => sum + g.cost_usd, 0),
    groups,
  };
}

const TOP_USERS = 10;

/**
 * The admin dashboard over the last 24 hours of raw events. There is no global session list
 * (sessions live in per-user Durable Objects), so `active_sessions` counts the sessions that
 * started or refreshed in the last 24 hours and have not logged out since.
 */
export async function dashboard(deps: ReadDeps) {
  const f = await orUnavailable('Database', () =>
    dashboardFigures(deps.db, deps.now() - DAY_MS, TOP_USERS),
  );
  return {
    users_total: f.usersTotal,
    active_sessions: f.activeSessions,
    logins_24h: f.eventsByType.login_succeeded ?? 0,
    failed_logins_24h: f.eventsByType.login_failed ?? 0,
    events_by_type: f.eventsByType,
    top_users: f.topUsers.map((u) => ({ user_id: u.userId, email: u.email, events: u.events })),
  };
}

/** The figures of GET /metrics (domain/analytics/prometheus.ts renders them). */
export async function platformFigures(deps: Pick<Deps, 'db' | 'now' | 'config'>) {
  const ttlMs = deps.config.ACCESS_TOKEN_TTL_SECONDS * 1000;
  const [byType, counters, active] = await orUnavailable('Database', () =>
    Promise.all([
      eventTotals(deps.db),
      readCounters(deps.db),
      countRecent(deps.db, ['login_succeeded', 'refresh'], deps.now() - ttlMs),
    ]),
  );
  return { byType, counters, tokensActive: active };
}
