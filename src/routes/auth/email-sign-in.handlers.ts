import * as emailLink from '../../domain/sign-in/email-link';
import { assertHuman } from '../../domain/turnstile';
import { turnstileToken } from '../../http/turnstile';
import { assertCookieRequestAllowed } from '../../http/cookie-transport';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './email-sign-in.routes';
import { answerSignIn } from './sign-in.handlers';

export const emailStart: AppRouteHandler<typeof routes.emailStart> = async (c) => {
  const body = c.req.valid('json');
  await assertHuman(c.var.deps, turnstileToken(c, body));
  emailLink.startEmailSignIn(c.var.deps, {
    email: body.email,
    returnTo: body.return_to,
    createAccount: body.create_account,
  });
  return c.json({ message: 'If this address can sign in, an email is on its way' }, 202);
};

export const emailVerify: AppRouteHandler<typeof routes.emailVerify> = async (c) => {
  const { transport } = c.req.valid('query');
  if (transport === 'cookie') assertCookieRequestAllowed(c);
  const result = await emailLink.signInWithEmail(c.var.deps, c.req.valid('json'));
  return answerSignIn(c, transport, result);
};
