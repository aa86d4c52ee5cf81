import type { OpenAPIHono } from '@hono/zod-openapi';
import { version } from '../../../package.json';
import type { AppEnv } from '../../types';
import { DOCS_HTML, DOCS_SCRIPT_PATH } from './docs.page';

/**
 * Serves /openapi.json, /docs and the renderer's script on the root app: the document needs
 * the root app's registry, so these are registered on it rather than on a router of their own.
 */
export function registerDocs(app: OpenAPIHono<AppEnv>) {
  // Generated once per isolate from the registered routes' schemas. A plain route rather than
  // doc31(), so a failure to build it still goes through onError and the contract's error shape.
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get('/openapi.json', (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'edge-auth',
        version,
        description:
          'Authentication and identity on Cloudflare Workers. Every error has the body of the Error schema; 422 adds `errors`.',
      },
    });
    return c.json(document, 200, { 'Cache-Control': 'public, max-age=300' });
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKeyAuth', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'Service API key (SERVICE_API_KEYS)',
  });

  app.get('/docs', (c) => c.html(DOCS_HTML, 200));

  // Workers Static Assets (wrangler.toml [assets], run_worker_first): the file is read through
  // the binding, so it gets this app's headers (X-Request-ID, nosniff) like every answer. The
  // name carries the renderer's version, so it can be cached for good.
  app.get(DOCS_SCRIPT_PATH, async (c) => {
    // The caller's headers go along, so If-None-Match can answer 304.
    const asset = await c.env.ASSETS.fetch(c.req.url, { headers: c.req.raw.headers });
    if (asset.status !== 200 && asset.status !== 304) return c.notFound();
    // A copy: fetched responses' headers are immutable, and the app's middleware adds to them.
    const headers = new Headers(asset.headers);
    headers.set('Cache-Control', 'public, max-age=31536000, immutable');
    return new Response(asset.body, { status: asset.status, headers });
  });
}
