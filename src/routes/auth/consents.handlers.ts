import * as consents from '../../domain/oauth/consents';
import { userOf } from '../../http/middleware/require-auth';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './consents.routes';

export const listConsents: AppRouteHandler<typeof routes.listConsents> = async (c) => {
  const rows = await consents.listConsents(c.var.deps, userOf(c).userId);
  const items = rows.map((r) => ({
    client_id: r.clientId,
    client_name: r.clientName,
    logo_uri: r.logoUri,
    scopes: r.scopes,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  }));
  return c.json({ items }, 200);
};

export const withdrawConsent: AppRouteHandler<typeof routes.withdrawConsent> = async (c) => {
  await consents.withdrawConsent(c.var.deps, userOf(c).userId, c.req.valid('param').client_id);
  return c.body(null, 204);
};
