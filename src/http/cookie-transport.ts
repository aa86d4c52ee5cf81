import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { TokenPair } from '../domain/sessions';
import { ApiError } from '../lib/errors';
import type { AppEnv } from './app-env';

/**
 * `?transport=cookie` (login, /mfa/verify, refresh, logout): the refresh token travels in an
 * HttpOnly cookie instead of the JSON body, so a browser app's JavaScript, and any XSS in it,
 * never holds it. The JSON API without the parameter is unchanged.
 */
export const TransportQuerySchema = z.object({
  transport: z.enum(['body', 'cookie']).default('body').openapi({
    description:
      "`cookie`: the refresh token is set as an HttpOnly cookie (REFRESH_COOKIE_NAME, default `__Host-refresh`; Secure, Path=/, SameSite from REFRESH_COOKIE_SAMESITE, default Lax) and left out of the body; refresh and logout read it from there. Every cookie request must send `X-CSRF-Protection: 1` and, if it has an Origin, one of CORS_ORIGINS or this service's own, else 403 CSRF_REJECTED.",
  }),
});

export type Transport = z.infer<typeof TransportQuerySchema>['transport'];

export const CSRF_HEADER = 'X-CSRF-Protection';

/**
 * The defence against cross-site requests riding the cookie: a custom header cannot be sent
 * cross-origin without a CORS preflight, which only configured origins pass; the Origin check
 * also stops a same-site but foreign origin (a sibling subdomain) that SameSite lets through.
 * Required on every cookie-transport request, login included, so nobody can sign a victim's
 * browser into the attacker's account either.
 */
export function assertCookieRequestAllowed(c: Context<AppEnv>) {
  if (c.req.header(CSRF_HEADER) !== '1') {
    throw new ApiError('CSRF_REJECTED', `Cookie requests must send the header ${CSRF_HEADER}: 1`);
  }
  const origin = c.req.header('Origin');
  if (origin === undefined) return;
  // The issuer is this service's public origin when it is a URL (behind a proxy the request's
  // own URL may name another host).
  const issuer = c.var.config.JWT_ISSUER;
  const own = [new URL(c.req.url).origin, URL.canParse(issuer) ? new URL(issuer).origin : null];
  if (!own.includes(origin) && !c.var.config.CORS_ORIGINS.includes(origin)) {
    throw new ApiError(
      'CSRF_REJECTED',
      'Requests with cookies are accepted only from allowed origins',
    );
  }
}

const cookieOptions = (c: Context<AppEnv>) => ({
  httpOnly: true,
  // Always Secure (required by __Host- and SameSite=None); browsers accept it on localhost.
  secure: true,
  path: '/',
  sameSite: c.var.config.REFRESH_COOKIE_SAMESITE,
});

export const readRefreshCookie = (c: Context<AppEnv>) =>
  getCookie(c, c.var.config.REFRESH_COOKIE_NAME) || undefined;

export function setRefreshCookie(c: Context<AppEnv>, refreshToken: string) {
  setCookie(c, c.var.config.REFRESH_COOKIE_NAME, refreshToken, {
    ...cookieOptions(c),
    // The session's own lifetime: a cookie outliving it would only ever answer 401.
    maxAge: c.var.config.REFRESH_TOKEN_TTL_SECONDS,
  });
}

export const clearRefreshCookie = (c: Context<AppEnv>) =>
  deleteCookie(c, c.var.config.REFRESH_COOKIE_NAME, cookieOptions(c));

/**
 * The body of a token answer (api.md "Tokens and sessions"): the pair in snake_case, or with
 * cookie transport the access token alone while the refresh token goes into the cookie.
 */
/**
 * Headers of an answer that carries a token or a secret: never cached (RFC 6749 §5.1), by the
 * browser or anything between.
 */
export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

export function tokensFor(c: Context<AppEnv>, transport: Transport, tokens: TokenPair) {
  const body = {
    access_token: tokens.accessToken,
    token_type: 'bearer' as const,
    expires_in: tokens.expiresIn,
  };
  if (transport === 'body') return { ...body, refresh_token: tokens.refreshToken };
  setRefreshCookie(c, tokens.refreshToken);
  return body;
}
