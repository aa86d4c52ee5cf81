import { usageOf } from './analytics/reads';
import type { Deps } from './deps';

export interface UsageRange {
  from: Date;
  to: Date;
}

/** An organization's usage over a range, as its dashboard shows it. */
export interface OrgUsage {
  events: number;
  logins: number;
  api_calls: number;
  cost_usd: number;
}

/**
 * An organization's usage, from the analytics rollups (events whose org id is this one): what
 * the aggregator has written so far, so it trails the events by the queue's batch delay.
 */
export async function orgUsage(
  deps: Pick<Deps, 'db'>,
  orgId: string,
  range: UsageRange,
): Promise<OrgUsage> {
  const usage = await usageOf(
    deps,
    { orgId },
    { from: range.from.getTime(), to: range.to.getTime() },
  );
  const events = Object.values(usage.eventsByType).reduce((sum, n) => sum + n, 0);
  return { events, logins: usage.logins, api_calls: usage.apiCalls, cost_usd: usage.costUsd };
}
