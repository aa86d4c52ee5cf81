import { dashboardFigures } from '../db/queries/analytics';
import { eventSeries, eventsByType, userCounts } from '../db/queries/console';
import { orUnavailable } from '../lib/errors';
import type { Deps } from './deps';

// The console's overview: the analytics rollups (domain/analytics) as the series its charts
// draw. Each series has a point for every bucket, zeros included, so a quiet hour shows as one.

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface Point {
  /** The bucket's start, ms. */
  t: number;
  n: number;
}

export interface Overview {
  signIns: Point[];
  failedSignIns: Point[];
  signUps: Point[];
  /** Sessions seen in the last 24 hours that did not log out (raw events). */
  activeSessions: number;
  users: { total: number; suspended: number };
  /** The last 7 days, largest first. */
  eventsByType: { type: string; n: number }[];
}

/** `buckets` points ending with the one holding `now`, filled from the rows of `type`. */
function series(
  rows: { bucket: number; type: string; n: number }[],
  type: string,
  now: number,
  bucketMs: number,
  buckets: number,
): Point[] {
  const last = now - (now % bucketMs);
  const counts = new Map(rows.filter((r) => r.type === type).map((r) => [Number(r.bucket), r.n]));
  return Array.from({ length: buckets }, (_, i) => {
    const t = last - (buckets - 1 - i) * bucketMs;
    return { t, n: Number(counts.get(t) ?? 0) };
  });
}

export async function overview(deps: Pick<Deps, 'db' | 'now'>): Promise<Overview> {
  const now = deps.now();
  const [hourly, daily, figures, users, types] = await orUnavailable('Database', () =>
    Promise.all([
      eventSeries(deps.db, ['login_succeeded', 'login_failed'], now - 23 * HOUR_MS, HOUR_MS),
      eventSeries(deps.db, ['registered'], now - 29 * DAY_MS, DAY_MS),
      dashboardFigures(deps.db, now - DAY_MS, 0),
      userCounts(deps.db),
      eventsByType(deps.db, now - 7 * DAY_MS),
    ]),
  );
  return {
    signIns: series(hourly, 'login_succeeded', now, HOUR_MS, 24),
    failedSignIns: series(hourly, 'login_failed', now, HOUR_MS, 24),
    signUps: series(daily, 'registered', now, DAY_MS, 30),
    activeSessions: figures.activeSessions,
    users,
    eventsByType: types.map((r) => ({ type: r.type, n: Number(r.n) })),
  };
}
