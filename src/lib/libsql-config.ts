import type { z } from 'zod';
import { LOCAL_HOST } from './public-url';

// LIBSQL_URL's checks (config.ts validates the configuration with them).

/**
 * Whether the libSQL client speaks TLS to `url`: not over http://, nor when `?tls=0` makes a
 * libsql:// URL plain HTTP (the token would travel in clear); any `tls` but 1 counts as off.
 */
const libsqlUsesTls = (url: URL) =>
  url.protocol !== 'http:' && (!url.searchParams.has('tls') || url.searchParams.get('tls') === '1');

const LIBSQL_SCHEMES = ['libsql:', 'https:', 'http:'];

/**
 * LIBSQL_URL, when set, must be a URL the Worker's libSQL HTTP client speaks (`libsql://` is
 * HTTPS to Turso), exactly as given (createDb reads the same string). ws:// is refused: a socket
 * cannot outlive the request that opened it, and the client is kept for the isolate. Plain
 * http:// and localhost pass only in development (refuseDevelopmentValues).
 */
export function checkLibsqlUrl(value: string, ctx: z.RefinementCtx) {
  if (!value) return;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || value !== value.trim() || !LIBSQL_SCHEMES.includes(url.protocol)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a libsql:// or https:// URL (http:// in development)',
    });
  } else if (url.searchParams.has('authToken')) {
    // The client would accept it, but a var is readable by anyone who sees the config.
    ctx.addIssue({ code: 'custom', message: 'put the token in the LIBSQL_AUTH_TOKEN secret' });
  }
}

/** Outside development: the libSQL URL must use TLS and name no local host (null: fine). */
export function libsqlOutsideDevelopment(value: string | undefined): string | null {
  if (!value || !URL.canParse(value)) return null;
  const url = new URL(value);
  if (!libsqlUsesTls(url))
    return 'must use TLS outside development (libsql:// or https://, no tls=0)';
  if (LOCAL_HOST.test(url.hostname)) return 'must not point at localhost outside development';
  return null;
}

/**
 * A remote libSQL database refuses anonymous clients, so a URL without a token would fail on
 * the first query: refused at start-up instead. Only a local sqld in development runs without.
 */
export function libsqlTokenProblems(value: string | undefined, token: string | undefined) {
  if (!value || token) return [];
  const local = URL.canParse(value) && LOCAL_HOST.test(new URL(value).hostname);
  return local ? [] : ['LIBSQL_AUTH_TOKEN: required with a remote LIBSQL_URL'];
}
