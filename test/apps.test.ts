import { describe, expect, it } from 'vitest';
import { appFor, groupOf, pathOf } from '../src/apps';

/**
 * src/apps.ts serves each request from the app of its path's group, built from that group's
 * routers only. That is the same API as one app as long as every route lives in the group its
 * path selects: a route added under another prefix would be reachable only through the whole
 * app, i.e. not at all in production. Checked for every route of the whole app.
 */
const routesOf = async (path: string) =>
  (await appFor(path)).routes
    .filter((r) => !r.path.includes('*') && r.method !== 'ALL')
    .map((r) => `${r.method} ${r.path}`);

describe('one app per URL prefix', () => {
  it('serves every route of the whole app from the group its path selects', async () => {
    const whole = await routesOf('/openapi.json');
    const groupRoutes = new Map<string, string[]>();
    const missing: string[] = [];
    for (const route of whole) {
      const path = route.slice(route.indexOf(' ') + 1);
      if (groupOf(path) === 'all') continue; // /openapi.json, /docs and the renderer's script
      const group = groupOf(path);
      if (!groupRoutes.has(group)) groupRoutes.set(group, await routesOf(path));
      if (!groupRoutes.get(group)!.includes(route)) missing.push(`${route} (group ${group})`);
    }
    expect(missing).toEqual([]);
    // Every group was reached, and the whole app has the document's own routes besides.
    expect([...groupRoutes.keys()].sort()).toEqual([
      'admin',
      'analytics',
      'auth',
      'console',
      'dev',
      'mfa',
      'organizations',
      'pages',
      'passkeys',
      'system',
      'users',
      'webhooks',
    ]);
    expect(whole).toContain('GET /openapi.json');
  });

  it('maps paths by their first segment, the hosted pages by name', () => {
    expect(groupOf('/')).toBe('system');
    expect(groupOf('/.well-known/jwks.json')).toBe('system');
    expect(groupOf('/auth/verify')).toBe('auth');
    expect(groupOf('/authx')).toBe('all');
    expect(groupOf('/metrics')).toBe('analytics');
    expect(groupOf('/login')).toBe('pages');
    expect(groupOf('/login/mfa')).toBe('pages');
    expect(groupOf('/console')).toBe('console');
    expect(groupOf('/console/users/x')).toBe('console');
    expect(groupOf('/consoles')).toBe('all');
    expect(groupOf('/constructor')).toBe('all');
    expect(groupOf('/__proto__/x')).toBe('all');
  });

  it('builds each group once per isolate', async () => {
    expect(await appFor('/auth/login')).toBe(await appFor('/auth/verify'));
    expect(await appFor('/auth/login')).not.toBe(await appFor('/admin/roles'));
  });

  it('reads the path of a request URL as URL does (no second parse per request)', () => {
    const urls = [
      'http://auth.test/',
      'http://auth.test',
      'https://auth.example.com:8443/auth/verify?x=1',
      'http://auth.test/auth/login?next=/admin#frag',
      'http://auth.test/admin#a?b',
      'http://auth.test/users/%2e%2e/admin?q',
      'http://127.0.0.1:8787/.well-known/jwks.json',
    ];
    // request.url is the runtime's serialisation of the parsed URL (dot segments resolved).
    for (const raw of urls) expect(pathOf(new URL(raw).href), raw).toBe(new URL(raw).pathname);
  });
});
