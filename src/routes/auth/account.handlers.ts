import { deleteAccount } from '../../domain/accounts';
import { changePassword as storePassword } from '../../domain/credentials';
import { callerOf, userOf } from '../../http/middleware/require-auth';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './account.routes';

export const deleteUser: AppRouteHandler<typeof routes.deleteUser> = async (c) => {
  const { user_id } = c.req.valid('param');
  const body = c.req.valid('json');
  await deleteAccount(c.var.deps, callerOf(c), user_id, body?.password);
  return c.body(null, 204);
};

export const changePassword: AppRouteHandler<typeof routes.changePassword> = async (c) => {
  const { current_password, new_password } = c.req.valid('json');
  await storePassword(c.var.deps, userOf(c), { current: current_password, next: new_password });
  return c.json({ message: 'Password changed; other sessions have been signed out' }, 200);
};
