import { describe, expect, it } from 'vitest';
import { api } from './helpers';

/** Every URL the page references (src=, href=, data-url=, url(...)), as written. */
const referencedUrls = (html: string) =>
  [...html.matchAll(/\s(?:src|href|data-url)="([^"]*)"|url\(([^)]*)\)/g)].map((m) => m[1] ?? m[2]!);

/** The sources of each directive of a Content-Security-Policy header. */
const directives = (csp: string) =>
  new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!, sources]),
  );

// /docs must render with no network: everything it loads comes from this worker (issue 8 §5).
describe('GET /docs', () => {
  it('references only same-origin resources', async () => {
    const page = await api('GET', '/docs');
    expect(page.status).toBe(200);
    const urls = referencedUrls(page.text);
    expect(urls).toContain('/openapi.json');
    for (const url of urls) {
      expect(url, url).toMatch(/^\/[^/\\]/);
      expect(new URL(url, 'http://auth.test').origin).toBe('http://auth.test');
    }
    expect(page.text).not.toMatch(/https?:\/\//);
  });

  it('sends a CSP that names no other origin', async () => {
    const res = await api('GET', '/docs');
    const csp = directives(res.headers.get('Content-Security-Policy') ?? '');
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('font-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    // Styles also take 'unsafe-inline', which the renderer needs (src/routes/docs/docs.page.ts).
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    const allowed = ["'self'", "'none'", "'unsafe-inline'", 'data:'];
    for (const [name, sources] of csp) {
      for (const source of sources) expect(allowed, `${name} ${source}`).toContain(source);
    }
  });

  it('tells the renderer not to call out: no CDN fonts, telemetry, proxy or agent', async () => {
    const page = await api('GET', '/docs');
    const raw = /data-configuration='([^']*)'/.exec(page.text)?.[1];
    expect(JSON.parse(raw ?? '{}')).toMatchObject({
      withDefaultFonts: false,
      telemetry: false,
      proxyUrl: '',
      agent: { disabled: true },
    });
  });

  it("serves the renderer's script from this worker, cacheable for good", async () => {
    const page = await api('GET', '/docs');
    const scripts = [...page.text.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    const res = await api('GET', scripts[0]!, { headers: { 'X-Request-ID': 'docs-asset' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^(text|application)\/javascript/);
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(res.headers.get('X-Request-ID')).toBe('docs-asset');
    expect(res.headers.get('Cache-Control')).toMatch(/immutable/);
    // Scalar's standalone bundle, whole: it is several megabytes.
    expect(res.text.length).toBeGreaterThan(1_000_000);
    expect(res.text).toContain('@scalar/api-reference');

    const etag = res.headers.get('ETag');
    expect(etag).toBeTruthy();
    const again = await api('GET', scripts[0]!, { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
  });

  it('serves nothing else from the assets folder', async () => {
    const res = await api('GET', '/docs/assets/api-reference-0.0.0.js');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error_code: 'NOT_FOUND' });
  });
});

describe('GET /openapi.json', () => {
  it('names the origin it was fetched from as the server', async () => {
    const res = await api('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(res.body.servers).toEqual([{ url: 'http://auth.test', description: 'This deployment' }]);
  });
});
