import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, createUser, env, uniqueEmail } from './helpers';
import { createSignedInAdmin, grantRoleInDb } from './helpers-admin';
import { ConsoleBrowser } from './helpers-console';
import { createOrg } from './helpers-orgs';
import { postForm } from './helpers-pages';

// The admin console's pages in workerd: who sees them, what they show, and bad input (unknown
// ids, markup and SQL in a search) answered as pages.

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/** A role that may open the console but change nothing. */
async function readOnlyAdmin() {
  await env.DB.batch([
    env.DB.prepare(
      "INSERT OR IGNORE INTO roles (name, description, created_at) VALUES ('auditor', '', ?)",
    ).bind(Date.now()),
    env.DB.prepare(
      "INSERT OR IGNORE INTO role_permissions (role, permission) VALUES ('auditor', 'admin_panel:read')",
    ),
  ]);
  const user = await createSignedInUser();
  await grantRoleInDb(user.id, 'auditor');
  return user;
}

describe('who may open the console', () => {
  it('sends a signed-out visitor to the hosted sign-in page, coming back after', async () => {
    for (const path of ['/console', '/console/users', `/console/users/${UNKNOWN}`]) {
      const res = await api('GET', path, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('Location')!, 'http://auth.test');
      expect(location.pathname).toBe('/login');
      expect(location.searchParams.get('return_to')).toBe(`http://auth.test${path}`);
    }
  });

  it('comes back to the console after signing in on the hosted page (its own origin is a return_to)', async () => {
    const user = await createUser();
    const back = 'http://auth.test/console/users';
    const page = await api('GET', `/login?return_to=${encodeURIComponent(back)}`);
    expect(page.text).toContain(`name="return_to" value="${back}"`);
    const res = await postForm('/login', {
      email: user.email,
      password: user.password,
      return_to: back,
    });
    expect(res.status, res.text).toBe(303);
    expect(res.headers.get('Location')).toBe(back);
  });

  it('answers a signed-in non-admin with a 403 page and no data', async () => {
    const other = await createUser();
    const user = await createSignedInUser();
    const browser = ConsoleBrowser.of(user);
    for (const path of ['/console', `/console/users?q=${other.email}`, '/console/audit']) {
      const res = await browser.get(path);
      expect(res.status, path).toBe(403);
      expect(res.headers.get('Content-Type')).toMatch(/text\/html/);
      expect(res.text).toContain('The admin console is for administrators.');
      expect(res.text).not.toContain(other.email);
    }
  });

  it('shows an admin the overview: SVG charts drawn on the server, a strict CSP, nothing from another host', async () => {
    const admin = await createSignedInAdmin();
    const res = await ConsoleBrowser.of(admin).get('/console');
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain('Sign-ins per hour (last 24 h)');
    expect(res.text).toContain('Sign-ups per day (last 30 days)');
    expect(res.text).toContain('Events by type (last 7 days)');
    expect(res.text.match(/<svg /g)?.length).toBeGreaterThanOrEqual(2);
    const csp = res.headers.get('Content-Security-Policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'nonce-[^']+'/);
    expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(res.text).not.toMatch(/<script/);
  });

  it('lets a read-only admin (admin_panel:read) look, without the buttons that change accounts', async () => {
    const auditor = await readOnlyAdmin();
    const target = await createSignedInUser();
    const res = await ConsoleBrowser.of(auditor).get(`/console/users/${target.id}`);
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain(target.email);
    expect(res.text).not.toContain('/suspend"');
    expect(res.text).not.toContain('/impersonate"');
  });
});

describe('the users pages', () => {
  it('finds users by a part of their email and pages through them', async () => {
    const admin = await createSignedInAdmin();
    const tag = `find${crypto.randomUUID().slice(0, 8)}`;
    const emails = await Promise.all(
      Array.from({ length: 27 }, async () => (await createUser({ email: uniqueEmail(tag) })).email),
    );
    const browser = ConsoleBrowser.of(admin);
    const first = await browser.get(`/console/users?q=${tag.toUpperCase()}`);
    expect(first.status, first.text).toBe(200);
    const shown = (html: string) => emails.filter((e) => html.includes(`>${e}</a>`));
    expect(shown(first.text)).toHaveLength(25);
    const next = /href="(\/console\/users\?[^"]*cursor=[^"]+)"/.exec(first.text)?.[1];
    expect(next).toBeDefined();
    const second = await browser.get(next!.replace(/&amp;/g, '&'));
    expect(shown(second.text)).toHaveLength(2);
    expect(new Set([...shown(first.text), ...shown(second.text)]).size).toBe(27);
  });

  it('shows markup and SQL in a search as text and matches them literally', async () => {
    const admin = await createSignedInAdmin();
    const browser = ConsoleBrowser.of(admin);
    const hostile = `<script>alert(1)</script>' OR 1=1 --`;
    const res = await browser.get(`/console/users?q=${encodeURIComponent(hostile)}`);
    expect(res.status, res.text).toBe(200);
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.text).toContain('No accounts match.');
    // LIKE wildcards are characters like any other: no email here holds a % or an underscore.
    for (const q of ['%', '_']) {
      const wild = await browser.get(`/console/users?q=${encodeURIComponent(q)}`);
      expect(wild.text, q).toContain('No accounts match.');
    }
  });

  it("shows a user's profile, sessions (an impersonation marked), factors, passkeys and audit trail", async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    const started = await api('POST', `/admin/users/${user.id}/impersonate`, {
      token: admin.access_token,
    });
    expect(started.status).toBe(201);
    const res = await ConsoleBrowser.of(admin).get(`/console/users/${user.id}`);
    expect(res.status, res.text).toBe(200);
    for (const text of ['Profile', 'Sessions (2)', 'Second factors', 'Passkeys', 'Audit trail']) {
      expect(res.text).toContain(text);
    }
    expect(res.text).toContain(`<td class="mono">${admin.id}</td>`);
    expect(res.text).toContain('registered');
    expect(res.text).toContain('impersonation_started');
  });

  it('answers unknown ids and paths with the console 404 page', async () => {
    const admin = await createSignedInAdmin();
    const browser = ConsoleBrowser.of(admin);
    for (const path of [
      `/console/users/${UNKNOWN}`,
      '/console/users/%3Cb%3Ex%3C%2Fb%3E',
      `/console/organizations/${UNKNOWN}`,
      '/console/nothing-here',
    ]) {
      const res = await browser.get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('Content-Type')).toMatch(/text\/html/);
      expect(res.text).toContain('There is nothing at this address');
      expect(res.text).not.toContain('<b>x</b>');
    }
  });
});

describe('organizations and the audit log', () => {
  it('lists organizations and shows one with its members and invitations', async () => {
    const admin = await createSignedInAdmin();
    const owner = await createSignedInUser();
    const org = await createOrg(owner, { name: `Org <i>${crypto.randomUUID().slice(0, 6)}</i>` });
    const invited = uniqueEmail('invitee');
    const invite = await api('POST', `/organizations/${org.id}/users`, {
      token: owner.access_token,
      json: { email: invited, role: 'member' },
    });
    expect(invite.status, invite.text).toBe(202);
    const browser = ConsoleBrowser.of(admin);
    const list = await browser.get('/console/organizations');
    expect(list.status, list.text).toBe(200);
    expect(list.text).toContain(`href="/console/organizations/${org.id}"`);
    expect(list.text).not.toContain('<i>');
    const page = await browser.get(`/console/organizations/${org.id}`);
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain(owner.email);
    expect(page.text).toContain('owner');
    expect(page.text).toContain(invited);
    expect(page.text).toContain('pending');
  });

  it('filters the audit log by user and action', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    const browser = ConsoleBrowser.of(admin);
    const byUser = await browser.get(`/console/audit?user_id=${user.id}&action=registered`);
    expect(byUser.status, byUser.text).toBe(200);
    expect(byUser.text.match(/<td>registered<\/td>/g)).toHaveLength(1);
    expect(byUser.text).not.toContain('<td>login_succeeded</td>');
    expect(byUser.text).toContain(`/console/audit/export?user_id=${user.id}&amp;action=registered`);
  });
});
