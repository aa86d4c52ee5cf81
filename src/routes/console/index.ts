import { Hono } from 'hono';
import type { AppEnv } from '../../http/app-env';
import * as actions from './console.actions';
import { auditExport, auditPage } from './console.audit';
import { organizationPage, organizationsPage } from './console.orgs';
import { overviewPage } from './console.overview';
import { consoleError, forAdmin, notFoundPage } from './console.shared';
import { userDetailPage } from './console.user-detail';
import { usersPage } from './console.users';

/**
 * The admin console (api.md "Admin console", docs/console.md): server-rendered pages for users
 * holding admin_panel:read, signed in through the hosted pages' cookie; changes need
 * users:admin and are form posts with a CSRF token. Not in the OpenAPI document.
 */
export const consoleRouter = new Hono<AppEnv>()
  .get('/console', forAdmin(overviewPage))
  .get('/console/users', forAdmin(usersPage))
  .get('/console/users/:id', forAdmin(userDetailPage))
  .post('/console/users/:id/sessions/:sid/revoke', forAdmin(actions.revokePost))
  .post('/console/users/:id/suspend', forAdmin(actions.statusPost('suspended')))
  .post('/console/users/:id/reactivate', forAdmin(actions.statusPost('active')))
  .post('/console/users/:id/factors/reset', forAdmin(actions.resetFactorsPost))
  .post('/console/users/:id/impersonate', forAdmin(actions.impersonatePost))
  .post('/console/impersonation/end', actions.endImpersonationPost)
  .get('/console/organizations', forAdmin(organizationsPage))
  .get('/console/organizations/:id', forAdmin(organizationPage))
  .get('/console/audit', forAdmin(auditPage))
  .get(
    '/console/audit/export',
    forAdmin((c) => Promise.resolve(auditExport(c))),
  )
  .all(
    '/console/*',
    forAdmin((c) => Promise.resolve(notFoundPage(c))),
  )
  .onError(consoleError);
