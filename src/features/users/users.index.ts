import { createRouter } from '../../types';
import * as handlers from './users.handlers';
import * as routes from './users.routes';

export const usersRouter = createRouter().openapi(routes.activity, handlers.activity);
