import { createRouter } from '../../http/app-env';
import * as handlers from './analytics.handlers';
import * as routes from './analytics.routes';

export const analyticsRouter = createRouter()
  .openapi(routes.trackEvent, handlers.trackEvent)
  .openapi(routes.recordMetric, handlers.recordMetric)
  .openapi(routes.recordMetricBatch, handlers.recordMetricBatch)
  .openapi(routes.metricSeries, handlers.metricSeries)
  .openapi(routes.usage, handlers.usage)
  .openapi(routes.costs, handlers.costs)
  .openapi(routes.dashboard, handlers.dashboard)
  .openapi(routes.prometheus, handlers.prometheus);
