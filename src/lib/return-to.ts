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
  config: { APP_URL: string; CORS_ORIGINS: string[] },
  value: string | undefined,
): string | null {
  if (!value || value.length > 2048 || !URL.canParse(value)) return null;
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password) return null;
  return allowedOrigins(config).includes(url.origin) ? url.href : null;
}
