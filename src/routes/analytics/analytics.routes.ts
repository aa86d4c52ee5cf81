import { createRoute, z } from '@hono/zod-openapi';
import { headerRefs } from '../../http/openapi-headers';
import {
  bearerAuth,
  errorResponses,
  jsonBody,
  jsonResponse,
  serviceAuth,
} from '../../http/openapi';
import { UserIdParamSchema } from '../../http/params';
import {
  requireAdmin,
  requireService,
  requireUserOrService,
} from '../../http/middleware/require-service';
import {
  AcceptedSchema,
  CostQuerySchema,
  CostsSchema,
  DashboardSchema,
  MetricBatchBody,
  MetricBody,
  MetricQuerySchema,
  MetricSeriesSchema,
  RangeQuerySchema,
  TrackEventBody,
  UsageSchema,
} from './analytics.schemas';

const tags = ['Analytics'];
const userOrService = {
  tags,
  security: [...serviceAuth, ...bearerAuth],
  middleware: [requireUserOrService],
};
const service = { tags, security: serviceAuth, middleware: [requireService] };
const accepted = (what: string) => ({ 202: jsonResponse(AcceptedSchema, what) });

export const trackEvent = createRoute({
  ...userOrService,
  method: 'post',
  path: '/analytics/events',
  operationId: 'trackEvent',
  summary: 'Record a custom event (user, or service with analytics:write)',
  description:
    'Answers 202 once the event is on the analytics queue; the aggregator makes it visible to the reads within seconds. A user sends events about themself only (another `user_id` is 403); a service names any user or none. Bounded per caller: RATE_LIMIT_ANALYTICS events (429), and at most ANALYTICS_CUSTOM_TYPES_PER_DAY distinct new event types per UTC day (422 beyond; types already sent that day still pass).',
  request: { body: jsonBody(TrackEventBody) },
  responses: {
    ...accepted('On the queue'),
    ...errorResponses(400, 401, 403, 413, 415, 422, 503),
  },
});

export const recordMetric = createRoute({
  ...service,
  method: 'post',
  path: '/analytics/metrics',
  operationId: 'recordMetric',
  summary: 'Record a metric data point (service, scope analytics:write)',
  description:
    'Answers 202 once the data point is on the analytics queue. Rolled up per hour and (name, labels) into count, sum, min and max; with `cost_usd` or `user_id` it also counts as a metered call in usage and costs.',
  request: { body: jsonBody(MetricBody) },
  responses: {
    ...accepted('On the queue'),
    ...errorResponses(400, 401, 403, 413, 415, 422, 503),
  },
});

export const recordMetricBatch = createRoute({
  ...service,
  method: 'post',
  path: '/analytics/metrics/batch',
  operationId: 'recordMetricBatch',
  summary: 'Record up to 1000 metric data points (service, scope analytics:write)',
  description:
    'All or nothing: one invalid entry (422) or more than 1000 entries (413 BATCH_TOO_LARGE) and none is queued. The body may be up to 1 MiB (more than MAX_BODY_BYTES, so that 1000 labelled points fit); beyond it 413 PAYLOAD_TOO_LARGE.',
  request: { body: jsonBody(MetricBatchBody) },
  responses: {
    ...accepted('All on the queue'),
    ...errorResponses(400, 401, 403, 413, 415, 422, 503),
  },
});

export const metricSeries = createRoute({
  ...userOrService,
  method: 'get',
  path: '/analytics/metrics',
  operationId: 'getMetricSeries',
  summary: "A metric's time series (admin, or service with metrics:read)",
  description:
    'Buckets of an hour or a day (UTC) between `from` and `to`, each with count, sum, min, max and avg over the data points. Filter by label with `label.<name>=<value>` query parameters (e.g. `label.model=small`); several filters must all match.',
  request: { query: MetricQuerySchema },
  responses: {
    200: jsonResponse(MetricSeriesSchema, 'The series'),
    ...errorResponses(401, 403, 422, 503),
  },
});

export const usage = createRoute({
  ...userOrService,
  method: 'get',
  path: '/analytics/usage/{user_id}',
  operationId: 'getUserUsage',
  summary: "A user's usage (self, admin, or service with users:read)",
  description:
    'Events by type, logins, failed logins, metered API calls and their cost between `from` and `to`, from the hourly rollups.',
  request: { params: UserIdParamSchema, query: RangeQuerySchema },
  responses: {
    200: jsonResponse(UsageSchema, 'The usage'),
    ...errorResponses(401, 403, 422, 503),
  },
});

export const costs = createRoute({
  ...userOrService,
  method: 'get',
  path: '/analytics/costs',
  operationId: 'getCosts',
  summary: 'Cost breakdown (admin, or service with metrics:read)',
  description:
    'The `cost_usd` of metrics between `from` and `to`, grouped by service, model (`labels.model`), user or UTC day, largest first.',
  request: { query: CostQuerySchema },
  responses: {
    200: jsonResponse(CostsSchema, 'The breakdown'),
    ...errorResponses(401, 403, 422, 503),
  },
});

export const dashboard = createRoute({
  tags,
  security: bearerAuth,
  middleware: [requireAdmin],
  method: 'get',
  path: '/analytics/dashboard',
  operationId: 'getAnalyticsDashboard',
  summary: 'The admin dashboard (admin)',
  description:
    'Users in total, and over the last 24 hours: active sessions, logins, failed logins, events by type and the 10 most active users.',
  responses: {
    200: jsonResponse(DashboardSchema, 'The dashboard'),
    ...errorResponses(401, 403, 503),
  },
});

export const prometheus = createRoute({
  ...userOrService,
  tags: ['System'],
  method: 'get',
  path: '/metrics',
  operationId: 'getPrometheusMetrics',
  summary: 'Prometheus metrics (service key with metrics:read, or admin bearer)',
  description:
    'Prometheus text exposition format 0.0.4: platform_auth_attempts_total{result}, platform_jwt_tokens_issued_total, platform_jwt_tokens_active, platform_analytics_events_total{type} (the service’s own event types by name, every custom type together as type="custom") and the queue counters, platform_breached_password_hits_total and platform_breached_password_check_failures_total (docs/abuse-defenses.md), each with # HELP and # TYPE. Scrape with an X-API-Key header or an admin bearer token.',
  responses: {
    200: {
      description: 'The metrics',
      headers: headerRefs('X-Request-ID'),
      content: { 'text/plain': { schema: z.string() } },
    },
    ...errorResponses(401, 403, 503),
  },
});
