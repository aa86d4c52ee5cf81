import type { Context } from 'hono';
import { signedInUser } from '../domain/access-tokens';
import { refresh, refreshTokenOwner } from '../domain/sessions';
import { ApiError } from '../lib/errors';
import type { AppEnv } from './app-env';
import { readRefreshCookie, setRefreshCookie } from './cookie-transport';

/** Who is signed in (their current roles in `claims`) and the access token the rotation gave. */
export type PageSession = Awaited<ReturnType<typeof signedInUser>> & { accessToken: string };

/**
 * The session signed in on the hosted pages (the refresh cookie the sign-in page sets), or null
 * when there is none or it has ended. Using it rotates it, as any use of a refresh token does, so
 * every page that asks who is signed in (the account page, the invitation, the admin console
 * and the pages built on them) goes through here and sets the new cookie.
 */
export async function pageSession(c: Context<AppEnv>): Promise<PageSession | null> {
  const cookie = readRefreshCookie(c);
  if (!cookie || !refreshTokenOwner(cookie)) return null;
  try {
    const tokens = await refresh(c.var.deps, cookie);
    setRefreshCookie(c, tokens.refreshToken);
    const user = await signedInUser(c.var.deps, tokens.accessToken);
    return { ...user, accessToken: tokens.accessToken };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}
