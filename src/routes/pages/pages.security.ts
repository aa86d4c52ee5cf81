import type { Context, MiddlewareHandler } from 'hono';
import { NONCE, secureHeaders } from 'hono/secure-headers';
import { getConfig } from '../../config';
import { ApiError } from '../../lib/errors';
import type { AppEnv } from '../../http/app-env';
import { allowedOrigins } from '../../lib/return-to';

// The allowlist moved to lib/ so that the federated sign-in's domain applies the same rule.
export { safeReturnTo } from '../../lib/return-to';

/** The hosted pages' paths: HTML and form posts, not the JSON API (app.ts routes them apart). */
const PAGE_PATHS = new Set([
  '/login',
  '/login/mfa',
  '/login/mfa/send',
  '/login/passkey',
  '/login/federated',
  '/login/federated/start',
  '/register',
  '/forgot-password',
  '/reset-password',
  '/verify-email',
  '/accept-invitation',
  '/auth/email/confirm',
  '/account',
  '/account/passkeys',
  '/account/passkeys/options',
  '/account/passkeys/remove',
]);

export const isPagePath = (path: string) => PAGE_PATHS.has(path);

const headersByOrigins = new Map<string, MiddlewareHandler>();

/**
 * The pages' CSP: nothing but their own nonce'd <style> (and <script>, should one be added) runs;
 * forms post to this origin, and the redirect after a sign-in (which Chromium checks against
 * form-action) may go to the allowed origins only.
 */
export const pageHeaders: MiddlewareHandler<AppEnv> = (c, next) => {
  const config = getConfig(c.env);
  const targets = config.ok ? allowedOrigins(config) : [];
  // A data: logo (BRAND_LOGO_URL) is the one image source besides this origin.
  const dataLogo = config.ok && config.BRAND_LOGO_URL.startsWith('data:');
  const key = `${targets.join(' ')}${dataLogo ? ' data:' : ''}`;
  let headers = headersByOrigins.get(key);
  if (!headers) {
    headers = secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: [NONCE],
        styleSrc: [NONCE],
        imgSrc: dataLogo ? ["'self'", 'data:'] : ["'self'"],
        formAction: ["'self'", ...targets],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
      // Not no-referrer: with it Chromium sends `Origin: null` on the pages' own form posts,
      // which assertSameOriginForm must refuse. same-origin still tells other sites nothing.
      referrerPolicy: 'same-origin',
    });
    headersByOrigins.set(key, headers);
  }
  return headers(c, next);
};

/**
 * Page forms post only from these pages: a browser sends Origin (and Sec-Fetch-Site) with a form
 * post, so another site's form (login CSRF, signing the victim into the attacker's account) is
 * refused. SameSite=Lax alone would not stop a cross-site top-level POST from being answered.
 */
export function assertSameOriginForm(c: Context<AppEnv>) {
  const origin = c.req.header('Origin');
  const site = c.req.header('Sec-Fetch-Site');
  if ((origin !== undefined && origin !== new URL(c.req.url).origin) || site === 'cross-site') {
    throw new ApiError('CSRF_REJECTED', 'This form can only be sent from this site');
  }
}
