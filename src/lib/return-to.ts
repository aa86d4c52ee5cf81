/** The origins a sign-in may send the browser back to: APP_URL's and CORS_ORIGINS. */
export function allowedOrigins(config: { APP_URL: string; CORS_ORIGINS: string[] }) {
  return [new URL(config.APP_URL).origin, ...config.CORS_ORIGINS];
}

/**
 * `return_to` as an absolute http(s) URL on an allowed origin, else null (the caller shows a
 * neutral page): relative, protocol-relative, `javascript:` and look-alike hosts
 * (`app.example.evil`, `app.example@evil`) all compare unequal by origin.
 */
export function safeReturnTo(
  config: { APP_URL: string; CORS_ORIGINS: string[]; JWT_ISSUER?: string },
  value: string | undefined,
  /** This service's own origin, when a page of its own (the admin console) may be the target. */
  self?: string,
): string | null {
  if (!value || value.length > 4096 || !URL.canParse(value)) return null;
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password) return null;
  if (isAuthorizeUrl(config, url)) return url.href;
  if (value.length > 2048) return null;
  return allowedOrigins(config).includes(url.origin) || url.origin === self ? url.href : null;
}

/**
 * The identity provider's own authorization URL (this worker's origin, JWT_ISSUER): the sign-in
 * page goes back there, so an app's sign-in continues to its consent (longer: it carries the
 * request's parameters).
 */
function isAuthorizeUrl(config: { JWT_ISSUER?: string }, url: URL) {
  if (!config.JWT_ISSUER || !URL.canParse(config.JWT_ISSUER)) return false;
  return url.origin === new URL(config.JWT_ISSUER).origin && url.pathname === '/oauth/authorize';
}
