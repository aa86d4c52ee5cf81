import * as ingest from '../../domain/analytics/ingest';
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from '../../domain/analytics/prometheus';
import * as reads from '../../domain/analytics/reads';
import { assertServiceOrAdmin } from '../../domain/access';
import { callerOf } from '../../http/middleware/require-auth';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './analytics.routes';

export const trackEvent: AppRouteHandler<typeof routes.trackEvent> = async (c) =>
  c.json(await ingest.trackEvent(c.var.deps, callerOf(c), c.req.valid('json')), 202);

export const recordMetric: AppRouteHandler<typeof routes.recordMetric> = async (c) => {
  const metric = c.req.valid('json');
  return c.json(await ingest.recordMetrics(c.var.deps, callerOf(c), [metric], false), 202);
};

export const recordMetricBatch: AppRouteHandler<typeof routes.recordMetricBatch> = async (c) => {
  const { metrics } = c.req.valid('json');
  return c.json(await ingest.recordMetrics(c.var.deps, callerOf(c), metrics, true), 202);
};

export const metricSeries: AppRouteHandler<typeof routes.metricSeries> = async (c) => {
  const q = c.req.valid('query');
  const range = reads.rangeOf(c.var.deps.now(), q.from, q.to);
  const labels = reads.labelFilters(c.req.query());
  const query = { name: q.name, interval: q.interval, labels, ...range };
  return c.json(await reads.metricPoints(c.var.deps, callerOf(c), query), 200);
};

export const usage: AppRouteHandler<typeof routes.usage> = async (c) => {
  const { from, to } = c.req.valid('query');
  const range = reads.rangeOf(c.var.deps.now(), from, to);
  const { user_id } = c.req.valid('param');
  const usage = await reads.userUsage(c.var.deps, callerOf(c), user_id, range);
  return c.json(
    {
      user_id,
      from: new Date(usage.range.from).toISOString(),
      to: new Date(usage.range.to).toISOString(),
      events_by_type: usage.eventsByType,
      logins: usage.logins,
      failed_logins: usage.failedLogins,
      api_calls: usage.apiCalls,
      cost_usd: usage.costUsd,
    },
    200,
  );
};

export const costs: AppRouteHandler<typeof routes.costs> = async (c) => {
  const { from, to, group_by } = c.req.valid('query');
  const range = reads.rangeOf(c.var.deps.now(), from, to);
  return c.json(await reads.costBreakdown(c.var.deps, callerOf(c), group_by, range), 200);
};

export const dashboard: AppRouteHandler<typeof routes.dashboard> = async (c) =>
  c.json(await reads.dashboard(c.var.deps), 200);

export const prometheus: AppRouteHandler<typeof routes.prometheus> = async (c) => {
  await assertServiceOrAdmin(c.var.deps, callerOf(c), 'metrics:read');
  const text = await prometheusText(c.var.deps);
  return c.text(text, 200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE });
};
