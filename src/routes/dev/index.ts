import { createRouter } from '../../http/app-env';
import * as handlers from './dev.handlers';
import * as routes from './dev.routes';

export const devRouter = createRouter().openapi(routes.outbox, handlers.outbox);
