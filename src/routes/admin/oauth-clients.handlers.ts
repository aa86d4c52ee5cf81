import * as clients from '../../domain/oauth/clients';
import type { ClientInput } from '../../domain/oauth/clients';
import { userOf } from '../../http/middleware/require-auth';
import { clientInput, clientJson } from '../../http/oauth-client-schemas';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './oauth-clients.routes';

export const listOAuthClients: AppRouteHandler<typeof routes.listOAuthClients> = async (c) =>
  c.json({ items: (await clients.listClients(c.var.deps)).map(clientJson) }, 200);

export const createOAuthClient: AppRouteHandler<typeof routes.createOAuthClient> = async (c) => {
  // Every field has a value after the schema's defaults, so the input is complete.
  const input = clientInput(c.req.valid('json')) as ClientInput;
  const { client, secret } = await clients.createClient(c.var.deps, userOf(c).userId, input);
  return c.json({ ...clientJson(client), client_secret: secret }, 201);
};

export const getOAuthClient: AppRouteHandler<typeof routes.getOAuthClient> = async (c) =>
  c.json(clientJson(await clients.getClient(c.var.deps, c.req.valid('param').client_id)), 200);

export const updateOAuthClient: AppRouteHandler<typeof routes.updateOAuthClient> = async (c) => {
  const { client_id } = c.req.valid('param');
  const changes = clientInput(c.req.valid('json'));
  const updated = await clients.updateClient(c.var.deps, userOf(c).userId, client_id, changes);
  return c.json(clientJson(updated), 200);
};

export const deleteOAuthClient: AppRouteHandler<typeof routes.deleteOAuthClient> = async (c) => {
  await clients.deleteClient(c.var.deps, userOf(c).userId, c.req.valid('param').client_id);
  return c.body(null, 204);
};
