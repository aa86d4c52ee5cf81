import type { Context, MiddlewareHandler } from 'hono';
import { NONCE, secureHeaders } from 'hono/secure-headers';
import { getConfig } from '../../config';
import { ApiError } from '../../lib/errors';
import type { AppEnv } from '../../http/app-env';
import { TURNSTILE_ORIGIN, widgetOn } from './pages.turnstile';
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
  // The identity provider's authorization endpoint: sign-in, consent, redirect with a code.
  '/oauth/authorize',
]);

/** The hosted pages, and the admin console's (routes/console), which share their CSP and forms. */
export const isPagePath = (path: string) =>
  PAGE_PATHS.has(path) || path === '/console' || path.startsWith('/console/');

/**
 * The redirect URI of the authorization request a sign-in page's return_to continues (password,
 * two-step code, passkey, email link…), when its client registered that URI exactly: a URL
 * cannot name a target of its choosing. One read, on such pages only.
 */
async function registeredReturnTarget(c: Context<AppEnv>): Promise<string | null> {
  const back = c.var.returnTo;
  if (!back || !URL.canParse(back)) return null;
  const url = new URL(back);
  if (url.origin !== new URL(c.req.url).origin || url.pathname !== '/oauth/authorize') return null;
  const clientId = url.searchParams.get('client_id');
  const target = url.searchParams.get('redirect_uri');
  if (!clientId || !target) return null;
  const { isRegisteredRedirect } = await import('../../domain/oauth/authorize');
  // A read that fails leaves the policy without the client (the page itself has been rendered).
  const registered = await isRegisteredRedirect(c.var.deps, clientId, target).catch(() => false);
  return registered ? target : null;
}

/**
 * Where an HTML page's forms may end up besides the allowed origins: the consent form, and a
 * sign-in that continues to /oauth/authorize, end in a redirect to the client's redirect URI,
 * which Chromium checks against form-action. Its origin (or private-use scheme) is added.
 */
async function authorizeTarget(c: Context<AppEnv>): Promise<string | null> {
  if (!c.res.headers.get('Content-Type')?.startsWith('text/html')) return null;
  // The consent page's was checked by its handler; a sign-in page's is checked here.
  const target = c.var.clientRedirect ?? (await registeredReturnTarget(c));
  if (!target || !URL.canParse(target)) return null;
  const url = new URL(target);
  if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
  // A private-use scheme (native apps, `com.example.app:` as registration requires): a CSP
  // source `scheme:`.
  return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? url.protocol : null;
}

const headersByOrigins = new Map<string, MiddlewareHandler>();

/**
 * The pages' CSP: nothing but their own nonce'd <style> (and <script>, should one be added) runs;
 * forms post to this origin, and the redirect after a sign-in (which Chromium checks against
 * form-action) may go to the allowed origins only.
 */
export const pageHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  // The nonce before the page renders, the policy after: which client a page's forms may end up
  // at is known once its handler has resolved return_to.
  NONCE(c, 'script-src');
  await next();
  const config = getConfig(c.env);
  const extra = config.ok ? await authorizeTarget(c) : null;
  const targets = config.ok ? [...allowedOrigins(config), ...(extra ? [extra] : [])] : [];
  // A data: logo (BRAND_LOGO_URL) is the one image source besides this origin; the consent
  // page also shows the client's logo (an https URL an admin registered).
  const dataLogo = config.ok && config.BRAND_LOGO_URL.startsWith('data:');
  // Turnstile's script and iframe, only on the pages that render the widget, only when it is on.
  const turnstile = config.ok && widgetOn(config, c.req.path);
  const clientLogo = c.req.path === '/oauth/authorize';
  const key = `${targets.join(' ')}${dataLogo ? ' data:' : ''}${turnstile ? ' turnstile' : ''}${clientLogo ? ' logo' : ''}`;
  let headers = headersByOrigins.get(key);
  if (!headers) {
    headers = secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: turnstile ? [NONCE, TURNSTILE_ORIGIN] : [NONCE],
        ...(turnstile && { frameSrc: [TURNSTILE_ORIGIN] }),
        styleSrc: [NONCE],
        imgSrc: ["'self'", ...(dataLogo ? ['data:'] : []), ...(clientLogo ? ['https:'] : [])],
        formAction: ["'self'", ...targets],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
      // Not no-referrer: with it Chromium sends `Origin: null` on the pages' own form posts,
      // which assertSameOriginForm must refuse. same-origin still tells other sites nothing.
      referrerPolicy: 'same-origin',
    });
    // The key may hold a client's redirect origin: bounded, however many clients there are.
    if (headersByOrigins.size >= 64) headersByOrigins.clear();
    headersByOrigins.set(key, headers);
  }
  // The headers middleware, run after the page: it sets them on the answer (with that nonce).
  await headers(c, async () => {});
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
