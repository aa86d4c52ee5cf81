import * as adminDomain from '../../domain/admin';
import { revokeSession } from '../../domain/console';
import { resetFactors } from '../../domain/factor-reset';
import { impersonate, IMPERSONATION_TTL_MS } from '../../domain/impersonation';
import { logout } from '../../domain/sessions';
import {
  clearRefreshCookie,
  readRefreshCookie,
  setRefreshCookie,
} from '../../http/cookie-transport';
import { clearImpersonationHint, setImpersonationHint } from '../../http/impersonation-hint';
import { ApiError } from '../../lib/errors';
import { readConsoleForm, requireManageUsers, type Admin, type C } from './console.shared';
import type { DONE } from './console.user-detail';

// The console's changes: each a form post (CSRF token and Origin checked, readConsoleForm) by
// an admin holding users:admin, calling the domain function /admin/* calls, which writes the
// audit entry. The answer is a redirect back to the user's page (post/redirect/get).

const userId = (c: C) => c.req.param('id') ?? '';

const back = (c: C, done: keyof typeof DONE) =>
  c.redirect(`/console/users/${encodeURIComponent(userId(c))}?done=${done}`, 303);

async function change(c: C, admin: Admin) {
  requireManageUsers(admin);
  await readConsoleForm(c, admin, {});
}

/** POST /console/users/:id/sessions/:sid/revoke */
export async function revokePost(c: C, admin: Admin) {
  await change(c, admin);
  await revokeSession(c.var.deps, admin.session, userId(c), c.req.param('sid') ?? '');
  return back(c, 'revoked');
}

/** POST /console/users/:id/suspend and /reactivate */
export const statusPost = (status: 'suspended' | 'active') => async (c: C, admin: Admin) => {
  await change(c, admin);
  await adminDomain.setStatus(c.var.deps, admin.session.userId, userId(c), status);
  return back(c, status === 'active' ? 'reactivated' : 'suspended');
};

/** POST /console/users/:id/factors/reset */
export async function resetFactorsPost(c: C, admin: Admin) {
  await change(c, admin);
  await resetFactors(c.var.deps, admin.session, userId(c));
  return back(c, 'factors_reset');
}

/**
 * POST /console/users/:id/impersonate: this browser's hosted-page session becomes the user's
 * impersonation session (the admin's own session stays live elsewhere; they sign in again
 * after), and the hosted pages show the banner. The account page is where it lands.
 */
export async function impersonatePost(c: C, admin: Admin) {
  await change(c, admin);
  const started = await impersonate(c.var.deps, admin.session.userId, userId(c));
  setRefreshCookie(c, started.tokens.refreshToken);
  setImpersonationHint(c, IMPERSONATION_TTL_MS / 1000);
  return c.redirect('/account', 303);
}

/**
 * POST /console/impersonation/end, from the banner on the hosted pages: ends the session in the
 * cookie (as POST /auth/logout would) and sends the browser to sign in again. Only from this
 * origin; no CSRF token, since the impersonated user holds none, and ending a session is all
 * it can do.
 */
export async function endImpersonationPost(c: C) {
  const origin = c.req.header('Origin');
  if (origin !== new URL(c.req.url).origin) {
    throw new ApiError('CSRF_REJECTED', 'This form can only be sent from this site');
  }
  const refreshToken = readRefreshCookie(c);
  if (refreshToken) await logout(c.var.deps, { accessToken: null, refreshToken });
  clearRefreshCookie(c);
  clearImpersonationHint(c);
  const back = new URL('/console', c.req.url).href;
  return c.redirect(`/login?return_to=${encodeURIComponent(back)}`, 303);
}
