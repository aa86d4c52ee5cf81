import { protectedResourceMetadata, serverMetadata } from '../../domain/oauth/discovery';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './discovery.routes';

/** Relying parties cache discovery; an hour matches the JWKS rotation lead many times over. */
const CACHE = { 'Cache-Control': 'public, max-age=3600' };

export const openIdConfiguration: AppRouteHandler<typeof routes.openIdConfiguration> = (c) =>
  c.json(serverMetadata(c.var.config, c.var.secrets), 200, CACHE);

export const authorizationServer: AppRouteHandler<typeof routes.authorizationServer> = (c) =>
  c.json(serverMetadata(c.var.config, c.var.secrets), 200, CACHE);

export const protectedResource: AppRouteHandler<typeof routes.protectedResource> = (c) =>
  c.json(protectedResourceMetadata(c.var.config), 200, CACHE);
