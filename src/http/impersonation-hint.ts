import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from './app-env';

/**
 * A display hint, not a credential: set by the console when an admin starts impersonating in
 * this browser, so every hosted page shows the banner (most pages never read the session). What
 * the session may do is decided by its tokens' `act` claim alone (domain/impersonation.ts).
 */
const NAME = 'ea_impersonating';
const options = { httpOnly: true, secure: true, path: '/', sameSite: 'Lax' } as const;

export const setImpersonationHint = (c: Context<AppEnv>, maxAgeSeconds: number) =>
  setCookie(c, NAME, '1', { ...options, maxAge: maxAgeSeconds });

export const clearImpersonationHint = (c: Context<AppEnv>) => deleteCookie(c, NAME, options);

export const impersonationHinted = (c: Context<AppEnv>) => getCookie(c, NAME) === '1';
