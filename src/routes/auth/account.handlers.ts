import * as accounts from '../../domain/accounts';
import { assertHuman } from '../../domain/turnstile';
import { turnstileToken } from '../../http/turnstile';
import * as credentials from '../../domain/credentials';
import { callerOf, userOf } from '../../http/middleware/require-auth';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './account.routes';

export const deleteUser: AppRouteHandler<typeof routes.deleteUser> = async (c) => {
  const { user_id } = c.req.valid('param');
  const body = c.req.valid('json');
  await accounts.deleteAccount(c.var.deps, callerOf(c), user_id, body?.password);
  return c.body(null, 204);
};

export const changePassword: AppRouteHandler<typeof routes.changePassword> = async (c) => {
  const { current_password, new_password } = c.req.valid('json');
  await credentials.changePassword(c.var.deps, userOf(c), {
    current: current_password,
    next: new_password,
  });
  return c.json({ message: 'Password changed; other sessions have been signed out' }, 200);
};

export const register: AppRouteHandler<typeof routes.register> = async (c) => {
  const body = c.req.valid('json');
  const { email, password, first_name, last_name, username } = body;
  await assertHuman(c.var.deps, turnstileToken(c, body));
  const id = await accounts.register(c.var.deps, {
    email,
    password,
    profile: { firstName: first_name, lastName: last_name, username },
  });
  return c.json(
    { user_id: id, email, message: 'Account created; check your email to confirm the address' },
    201,
  );
};
