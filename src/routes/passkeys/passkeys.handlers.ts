import { NO_STORE } from '../../http/cookie-transport';
import type { AppRouteHandler } from '../../http/app-env';
import { userOf } from '../../http/middleware/require-auth';
import type * as routes from './passkeys.routes';

// The WebAuthn library loads with this route group only (src/apps.ts): the domain module that
// uses it is imported here, where the group's first request builds it.
import * as passkeys from '../../domain/factors/passkeys';

export const registerOptions: AppRouteHandler<typeof routes.registerOptions> = async (c) => {
  const password = c.req.valid('json')?.password;
  const options = await passkeys.startRegistration(c.var.deps, userOf(c), password);
  return c.json({ options: { ...options } }, 200, NO_STORE);
};

export const registerVerify: AppRouteHandler<typeof routes.registerVerify> = async (c) => {
  const { response, name } = c.req.valid('json');
  const p = await passkeys.finishRegistration(c.var.deps, userOf(c), { response, name });
  return c.json(
    {
      passkey_id: p.id,
      name: p.name,
      created_at: p.createdAt.toISOString(),
      backed_up: p.backedUp,
      device_type: p.deviceType,
    },
    201,
  );
};

export const listPasskeys: AppRouteHandler<typeof routes.listPasskeys> = async (c) => {
  const items = (await passkeys.listUserPasskeys(c.var.deps, userOf(c).userId)).map((p) => ({
    passkey_id: p.id,
    name: p.name,
    created_at: p.createdAt.toISOString(),
    last_used_at: p.lastUsedAt?.toISOString() ?? null,
    backed_up: p.backedUp,
    device_type: p.deviceType,
    transports: p.transports,
  }));
  return c.json({ items }, 200);
};

export const renamePasskey: AppRouteHandler<typeof routes.renamePasskey> = async (c) => {
  const { passkey_id } = c.req.valid('param');
  const { name } = c.req.valid('json');
  await passkeys.renameUserPasskey(c.var.deps, userOf(c).userId, passkey_id, name);
  return c.json({ passkey_id, name }, 200);
};

export const removePasskey: AppRouteHandler<typeof routes.removePasskey> = async (c) => {
  const { passkey_id } = c.req.valid('param');
  const password = c.req.valid('json')?.password;
  await passkeys.removeUserPasskey(c.var.deps, userOf(c), passkey_id, password);
  return c.body(null, 204);
};
