import * as emailLink from '../../domain/sign-in/email-link';
import { MFA_TOKEN_TTL_S } from '../../domain/sign-in/second-factor';
import { assertCookieRequestAllowed, tokensFor } from '../../http/cookie-transport';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './email-sign-in.routes';

// Token responses must never be cached (RFC 6749 §5.1).
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

export const emailStart: AppRouteHandler<typeof routes.emailStart> = (c) => {
  const body = c.req.valid('json');
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
  if (result.kind === 'tokens')
    return c.json(tokensFor(c, transport, result.tokens), 200, NO_STORE);
  const { mfaToken: mfa_token, methods } = result;
  const challenge = {
    mfa_required: true as const,
    mfa_token,
    methods,
    expires_in: MFA_TOKEN_TTL_S,
  };
  return c.json(challenge, 200, NO_STORE);
};
