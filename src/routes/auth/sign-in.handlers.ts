import * as sessions from '../../domain/sessions';
import type { SignInResult } from '../../domain/sign-in/finish';
import { signInWithPassword } from '../../domain/sign-in/password';
import { assertHuman } from '../../domain/turnstile';
import { turnstileToken } from '../../http/turnstile';
import { MFA_TOKEN_TTL_S } from '../../domain/sign-in/second-factor';
import {
  assertCookieRequestAllowed,
  clearRefreshCookie,
  readRefreshCookie,
  NO_STORE,
  tokensFor,
  type Transport,
} from '../../http/cookie-transport';
import { bearerToken, userOf } from '../../http/middleware/require-auth';
import { ApiError } from '../../lib/errors';
import type { Context } from 'hono';
import type { AppEnv, AppRouteHandler } from '../../http/app-env';
import type * as routes from './sign-in.routes';

/**
 * The answer of every way in (api.md "Sign-in methods beyond the password"): the token pair
 * (or the cookie with ?transport=cookie), or the MFA step where the account needs one.
 */
export function answerSignIn(c: Context<AppEnv>, transport: Transport, result: SignInResult) {
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
}

export const login: AppRouteHandler<typeof routes.login> = async (c) => {
  const { transport } = c.req.valid('query');
  if (transport === 'cookie') assertCookieRequestAllowed(c);
  const body = c.req.valid('json');
  await assertHuman(c.var.deps, turnstileToken(c, body));
  return answerSignIn(c, transport, await signInWithPassword(c.var.deps, body));
};

export const refresh: AppRouteHandler<typeof routes.refresh> = async (c) => {
  const { transport } = c.req.valid('query');
  // The body is optional (cookie transport sends none); without JSON the validator skips it.
  let token: string | undefined = c.req.valid('json')?.refresh_token;
  if (transport === 'cookie') {
    assertCookieRequestAllowed(c);
    token ??= readRefreshCookie(c);
    if (!token) throw new ApiError('INVALID_TOKEN', 'No refresh token cookie: sign in again');
  } else if (!token) {
    throw new ApiError(
      'BAD_REQUEST',
      'Send {"refresh_token": ...} as JSON, or use ?transport=cookie',
    );
  }
  try {
    return c.json(
      tokensFor(c, transport, await sessions.refresh(c.var.deps, token)),
      200,
      NO_STORE,
    );
  } catch (err) {
    // A refused cookie (reused, expired, revoked) will never work again: drop it, so the
    // browser stops sending it and the app sees it is signed out.
    if (transport === 'cookie' && err instanceof ApiError && err.status === 401) {
      clearRefreshCookie(c);
    }
    throw err;
  }
};

export const logout: AppRouteHandler<typeof routes.logout> = async (c) => {
  const { transport } = c.req.valid('query');
  let refreshToken: string | undefined = c.req.valid('json')?.refresh_token;
  if (transport === 'cookie') {
    assertCookieRequestAllowed(c);
    refreshToken ??= readRefreshCookie(c);
    clearRefreshCookie(c);
  }
  await sessions.logout(c.var.deps, {
    accessToken: bearerToken(c.req.header('Authorization')),
    refreshToken,
  });
  return c.json({ message: 'Logged out' }, 200);
};

export const verify: AppRouteHandler<typeof routes.verify> = (c) => {
  const { sub, email, sid, roles, exp, amr } = userOf(c).claims;
  const expires_at = new Date(exp * 1000).toISOString();
  return c.json(
    {
      valid: true as const,
      user_id: sub,
      email,
      session_id: sid,
      roles,
      ...(amr && { amr }),
      expires_at,
    },
    200,
  );
};
