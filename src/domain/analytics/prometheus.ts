import { BREACH_COUNTERS } from '../breached-passwords';
import type { Deps } from '../deps';
import { domainEventTypes } from './messages';
import { platformFigures } from './reads';

/** Prometheus text exposition format 0.0.4: the Content-Type of GET /metrics. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Sample = { labels?: Record<string, string>; value: number };

const escapeLabel = (v: string) =>
  v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
const escapeHelp = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');

function family(name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]) {
  const lines = [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`];
  for (const s of samples) {
    const labels = Object.entries(s.labels ?? {})
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
    lines.push(`${name}${labels ? `{${labels}}` : ''} ${s.value}`);
  }
  return lines.join('\n');
}

/**
 * Counts by the type label /metrics gives them: the service's own types by name, every custom
 * type under `custom` (security review M3: each custom type a user made up became a series of
 * its own, and a scraper's storage grows with every series).
 */
function byLabel(byType: Record<string, number>): [string, number][] {
  const own = domainEventTypes();
  const out = new Map<string, number>();
  for (const [type, n] of Object.entries(byType)) {
    const label = own.has(type) ? type : 'custom';
    out.set(label, (out.get(label) ?? 0) + n);
  }
  return [...out].sort(([a], [b]) => (a < b ? -1 : 1));
}

/**
 * GET /metrics. Counters come from the aggregator's hourly rollups; they lag the events by the
 * queue's batch timeout (seconds), and drop when the cron prunes rollups past
 * ANALYTICS_RETENTION_DAYS (a counter reset to Prometheus, which rate() handles).
 */
export async function prometheusText(deps: Pick<Deps, 'db' | 'now' | 'config'>) {
  const { byType, counters, tokensActive } = await platformFigures(deps);
  const n = (type: string) => byType[type] ?? 0;
  return `${[
    family(
      'platform_auth_attempts_total',
      'counter',
      'Password logins by result (login_succeeded and login_failed events aggregated from the analytics queue).',
      [
        { labels: { result: 'success' }, value: n('login_succeeded') },
        { labels: { result: 'failure' }, value: n('login_failed') },
      ],
    ),
    family(
      'platform_jwt_tokens_issued_total',
      'counter',
      'Access tokens issued: one per login and one per refresh (a refresh replayed within the grace interval is counted too).',
      [{ value: n('login_succeeded') + n('refresh') }],
    ),
    family(
      'platform_jwt_tokens_active',
      'gauge',
      'Access tokens not yet expired: those issued (logins and refreshes, from the raw analytics events) within the last ACCESS_TOKEN_TTL_SECONDS; a token revoked early by logout is still counted until it expires.',
      [{ value: tokensActive }],
    ),
    family(
      'platform_analytics_events_total',
      'counter',
      'Events aggregated, by type: the service\'s own types by name, custom events together as type="custom".',
      byLabel(byType).map(([type, value]) => ({ labels: { type }, value })),
    ),
    family(
      'platform_queue_rejected_total',
      'counter',
      'Analytics queue messages the aggregator refused as invalid (acked, never retried).',
      [{ value: counters.rejected ?? 0 }],
    ),
    family(
      'platform_queue_send_failed_total',
      'counter',
      'Domain events that could not be put on the analytics queue (logged; the request was not affected).',
      [{ value: counters.send_failed ?? 0 }],
    ),
    family(
      'platform_queue_dead_lettered_total',
      'counter',
      'Analytics messages that exhausted their retries and were recorded from the dead-letter queue.',
      [{ value: counters.dead_lettered ?? 0 }],
    ),
    family(
      'platform_breached_password_hits_total',
      'counter',
      'New passwords (register, change, reset) refused because the range API knows them from a breach.',
      [{ value: counters[BREACH_COUNTERS.hit] ?? 0 }],
    ),
    family(
      'platform_breached_password_check_failures_total',
      'counter',
      'Breached-password checks that could not complete (range API slow, down or unreadable, or its circuit open), whatever BREACHED_PASSWORDS then did.',
      [{ value: counters[BREACH_COUNTERS.failed] ?? 0 }],
    ),
  ].join('\n')}\n`;
}
