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
 * An organization's usage. Zeros until the analytics aggregates exist: this is the one place
 * that will read them, so the dashboard's shape does not change when they do.
 */
export async function orgUsage(
  _deps: Pick<Deps, 'db'>,
  _orgId: string,
  _range: UsageRange,
): Promise<OrgUsage> {
  return { events: 0, logins: 0, api_calls: 0, cost_usd: 0 };
}
