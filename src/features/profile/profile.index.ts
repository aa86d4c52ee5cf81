import { createRouter } from '../../http/app-env';
import * as handlers from './profile.handlers';
import * as routes from './profile.routes';

export const profileRouter = createRouter()
  .openapi(routes.me, handlers.me)
  .openapi(routes.getProfile, handlers.getProfile)
  .openapi(routes.updateProfile, handlers.updateProfile);
