import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, env, signIn, STRONG_PASSWORD } from './helpers';
import { createSignedInAdmin, grantRoleInDb, verifyStatus } from './helpers-admin';
import { ConsoleBrowser } from './helpers-console';
import { createMfaUser } from './helpers-mfa';

// Every console change (a form post) as an attacker would try it: without the CSRF token, with
// another session's token, from another origin or none, by a non-admin, by an admin who may
// only read; then as the console sends it, with its effect and its audit entry.

interface Target {
  id: string;
  email: string;
  access_token: string;
  refresh_token: string;
}

interface Action {
  name: string;
  path: (t: Target) => string;
  /** The change happened (true) or not (false). */
  done: (t: Target) => Promise<boolean>;
  audit: string;
  /** A target the action applies to. */
  target: () => Promise<Target>;
}

const loginStatus = async (t: Target) =>
  (await api('POST', '/auth/login', { json: { email: t.email, password: STRONG_PASSWORD } }))
    .status;

const suspendedTarget = async () => {
  const t = await createSignedInUser();
  await env.DB.prepare("UPDATE users SET status = 'suspended' WHERE id = ?").bind(t.id).run();
  return t;
};

const auditActions = async (userId: string) => {
  const { results } = await env.DB.prepare(
    'SELECT action, actor_id FROM audit_events WHERE user_id = ?',
  )
    .bind(userId)
    .all<{ action: string; actor_id: string | null }>();
  return results;
};

const ACTIONS: Action[] = [
  {
    name: 'revoke a session',
    target: createSignedInUser,
    path: (t) => `/console/users/${t.id}/sessions/${String(decodeJwt(t.access_token).sid)}/revoke`,
    done: async (t) => (await verifyStatus(t.access_token)) === 401,
    audit: 'session_revoked',
  },
  {
    name: 'suspend',
    target: createSignedInUser,
    path: (t) => `/console/users/${t.id}/suspend`,
    done: async (t) => (await loginStatus(t)) === 403,
    audit: 'suspended',
  },
  {
    name: 'reactivate',
    target: suspendedTarget,
    path: (t) => `/console/users/${t.id}/reactivate`,
    done: async (t) => (await loginStatus(t)) === 200,
    audit: 'reactivated',
  },
  {
    name: 'reset the second factors',
    target: createMfaUser,
    path: (t) => `/console/users/${t.id}/factors/reset`,
    done: async (t) => {
      const res = await api('POST', '/auth/login', {
        json: { email: t.email, password: STRONG_PASSWORD },
      });
      return res.body.mfa_required !== true;
    },
    audit: 'mfa_reset',
  },
  {
    name: 'impersonate',
    target: createSignedInUser,
    path: (t) => `/console/users/${t.id}/impersonate`,
    done: async (t) => {
      const { results } = await env.DB.prepare(
        "SELECT 1 FROM audit_events WHERE user_id = ? AND action = 'impersonation_started'",
      )
        .bind(t.id)
        .all();
      return results.length > 0;
    },
    audit: 'impersonation_started',
  },
];

/** An admin's browser on the console and the CSRF token of their session. */
async function adminBrowser() {
  const admin = await createSignedInAdmin();
  const browser = ConsoleBrowser.of(admin);
  return { admin, browser, csrf: await browser.csrf(`/console/users/${admin.id}`) };
}

describe.each(ACTIONS)('POST console: $name', (action) => {
  it('is refused without the CSRF token, with another session’s, and from another or no origin (403), changing nothing', async () => {
    const { browser, csrf } = await adminBrowser();
    const other = await adminBrowser();
    const target = await action.target();
    const path = action.path(target);
    const tries = [
      await browser.post(path, {}),
      await browser.post(path, { csrf: 'x'.repeat(43) }),
      await browser.post(path, { csrf: other.csrf }),
      await browser.post(path, { csrf }, { Origin: 'https://evil.example' }),
      await browser.post(path, { csrf }, { Origin: '' }),
      await browser.post(path, { csrf }, { 'Sec-Fetch-Site': 'cross-site' }),
    ];
    for (const res of tries) {
      expect(res.status, res.text).toBe(403);
      expect(res.headers.get('Content-Type')).toMatch(/text\/html/);
    }
    expect(await action.done(target)).toBe(false);
  });

  it('is refused for a non-admin and for an admin without users:admin (403), changing nothing', async () => {
    const plain = await createSignedInUser();
    await env.DB.batch([
      env.DB.prepare(
        "INSERT OR IGNORE INTO roles (name, description, created_at) VALUES ('auditor', '', ?)",
      ).bind(Date.now()),
      env.DB.prepare(
        "INSERT OR IGNORE INTO role_permissions (role, permission) VALUES ('auditor', 'admin_panel:read')",
      ),
    ]);
    const auditor = await createSignedInUser();
    await grantRoleInDb(auditor.id, 'auditor');
    const auditorBrowser = ConsoleBrowser.of(auditor);
    const auditorCsrf = await auditorBrowser.csrf('/console/audit').catch(async () => {
      // The audit page has no form; the token is the session's, read from any form-bearing page.
      const res = await auditorBrowser.get(`/console/users/${auditor.id}`);
      return /name="csrf" value="([^"]+)"/.exec(res.text)?.[1] ?? '';
    });
    const target = await action.target();
    const path = action.path(target);
    const byPlain = await ConsoleBrowser.of(plain).post(path, { csrf: auditorCsrf });
    expect(byPlain.status, byPlain.text).toBe(403);
    const byAuditor = await auditorBrowser.post(path, { csrf: auditorCsrf });
    expect(byAuditor.status, byAuditor.text).toBe(403);
    expect(byAuditor.text).toContain('users:admin');
    expect(await action.done(target)).toBe(false);
  });

  it('is done for an admin with the token, redirects back, and leaves an audit entry naming the admin', async () => {
    const { admin, browser, csrf } = await adminBrowser();
    const target = await action.target();
    const res = await browser.post(action.path(target), { csrf });
    expect(res.status, res.text).toBe(303);
    expect(await action.done(target)).toBe(true);
    await expect
      .poll(async () => auditActions(target.id), { timeout: 3000 })
      .toContainEqual({ action: action.audit, actor_id: admin.id });
  });
});

describe('impersonating from the console', () => {
  it('puts the user’s impersonation session in the cookie and lands on the account page with the banner', async () => {
    const { admin, browser, csrf } = await adminBrowser();
    const target = await createSignedInUser();
    const res = await browser.post(`/console/users/${target.id}/impersonate`, { csrf });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/account');
    const hint = res.headers.getSetCookie().find((h) => h.startsWith('ea_impersonating='));
    expect(hint).toMatch(/HttpOnly/);
    const account = await api('GET', '/account', {
      headers: { Cookie: `__Host-refresh=${browser.cookie}; ea_impersonating=1` },
    });
    expect(account.status).toBe(200);
    expect(account.text).toContain('Impersonation:');
    expect(account.text).toContain('action="/console/impersonation/end"');
    // The cookie's session is the user's, acting for the admin.
    const refreshed = await api('POST', '/auth/refresh', {
      json: { refresh_token: browser.cookie },
    });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(decodeJwt(refreshed.body.access_token)).toMatchObject({
      sub: target.id,
      act: { sub: admin.id },
    });
    // The console itself is closed to the impersonation session.
    const again = ConsoleBrowser.of(refreshed.body);
    expect((await again.get('/console')).status).toBe(403);
  });

  it('ends the impersonation from the banner (same origin only)', async () => {
    const { browser, csrf } = await adminBrowser();
    const target = await createSignedInUser();
    await browser.post(`/console/users/${target.id}/impersonate`, { csrf });
    const foreign = await browser.post(
      '/console/impersonation/end',
      {},
      {
        Origin: 'https://evil.example',
      },
    );
    expect(foreign.status).toBe(403);
    const impersonation = browser.cookie;
    const res = await browser.post('/console/impersonation/end', {});
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toMatch(/^\/login\?return_to=/);
    const refreshed = await api('POST', '/auth/refresh', {
      json: { refresh_token: impersonation },
    });
    expect(refreshed.status).toBe(401);
    // The user's own session lives on.
    expect(await verifyStatus(target.access_token)).toBe(200);
    expect((await signIn(target)).access_token).toBeTruthy();
  });
});
