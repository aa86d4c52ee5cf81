import type { AppRouteHandler } from '../../http/app-env';
import { assertCookieRequestAllowed, NO_STORE } from '../../http/cookie-transport';
import type * as routes from './passkey.routes';
import { answerSignIn } from './sign-in.handlers';

/**
 * The WebAuthn library is loaded by the first passkey request, not with the /auth group:
 * most /auth requests (verify, refresh, me) never need it, and start-up CPU is paid per isolate.
 */
let domain: Promise<typeof import('../../domain/sign-in/passkey')> | undefined;
const passkeySignIn = () => (domain ??= import('../../domain/sign-in/passkey'));

export const passkeyOptions: AppRouteHandler<typeof routes.passkeyOptions> = async (c) => {
  const email = c.req.valid('json')?.email;
  const { passkeySignInOptions } = await passkeySignIn();
  const { challengeId, options } = await passkeySignInOptions(c.var.deps, { email });
  return c.json({ challenge_id: challengeId, options: { ...options } }, 200, NO_STORE);
};

export const passkeyVerify: AppRouteHandler<typeof routes.passkeyVerify> = async (c) => {
  const { transport } = c.req.valid('query');
  if (transport === 'cookie') assertCookieRequestAllowed(c);
  const { challenge_id, response } = c.req.valid('json');
  const { signInWithPasskey } = await passkeySignIn();
  const result = await signInWithPasskey(c.var.deps, { challengeId: challenge_id, response });
  return answerSignIn(c, transport, result);
};
