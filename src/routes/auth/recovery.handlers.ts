import * as credentials from '../../domain/credentials';
import { assertHuman } from '../../domain/turnstile';
import { turnstileToken } from '../../http/turnstile';
import { requireAuth, userOf } from '../../http/middleware/require-auth';
import type { AppRouteHandler } from '../../http/app-env';
import { ApiError } from '../../lib/errors';
import type * as routes from './recovery.routes';

const SENT = { message: 'If an account exists for this email, a message is on its way' };

export const forgotPassword: AppRouteHandler<typeof routes.forgotPassword> = async (c) => {
  const body = c.req.valid('json');
  await assertHuman(c.var.deps, turnstileToken(c, body));
  credentials.forgotPassword(c.var.deps, body.email);
  return c.json(SENT, 202);
};

export const resetPassword: AppRouteHandler<typeof routes.resetPassword> = async (c) => {
  const { token, new_password } = c.req.valid('json');
  await credentials.resetPassword(c.var.deps, token, new_password);
  return c.json({ message: 'Password changed; sign in with the new password' }, 200);
};

export const verifyEmail: AppRouteHandler<typeof routes.verifyEmail> = async (c) => {
  await credentials.verifyEmail(c.var.deps, c.req.valid('json').token);
  return c.json({ message: 'Email verified' }, 200);
};

export const resendVerification: AppRouteHandler<typeof routes.resendVerification> = async (c) => {
  const body = c.req.valid('json');
  if (c.req.header('Authorization') !== undefined) {
    await requireAuth(c, () => Promise.resolve());
    await credentials.resendVerification(c.var.deps, { userId: userOf(c).userId });
  } else if (body?.email) {
    await credentials.resendVerification(c.var.deps, { email: body.email });
  } else {
    throw new ApiError('VALIDATION_ERROR', 'Request validation failed', {
      errors: [{ field: 'email', message: 'required without a bearer token' }],
    });
  }
  return c.json(SENT, 202);
};
