import { createRouter } from '../../http/app-env';
import * as handlers from './webhooks.handlers';
import { registerWebhookEvents } from './webhooks.events';
import * as routes from './webhooks.routes';

export const webhooksRouter = createRouter()
  .openapi(routes.createEndpoint, handlers.createEndpoint)
  .openapi(routes.listEndpoints, handlers.listEndpoints)
  .openapi(routes.getEndpoint, handlers.getEndpoint)
  .openapi(routes.updateEndpoint, handlers.updateEndpoint)
  .openapi(routes.deleteEndpoint, handlers.deleteEndpoint)
  .openapi(routes.rotateSecret, handlers.rotateSecret)
  .openapi(routes.sendTestEvent, handlers.sendTestEvent)
  .openapi(routes.listDeliveries, handlers.listDeliveries)
  .openapi(routes.replayDelivery, handlers.replayDelivery);

registerWebhookEvents(webhooksRouter);
