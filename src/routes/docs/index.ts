import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/app-env';
import { buildDocument, registerComponents, type OpenApiDocument } from './docs.document';
import { DOCS_HTML, DOCS_SCRIPT_PATH } from './docs.page';
import * as routes from './docs.routes';

/**
 * Serves /openapi.json, /docs and the renderer's script on the root app: the document needs
 * the root app's registry, so these are registered on it rather than on a router of their own.
 */
export function registerDocs(app: OpenAPIHono<AppEnv>) {
  registerComponents(app);
  app.openAPIRegistry.registerPath(routes.openapiDocument);
  app.openAPIRegistry.registerPath(routes.docsPage);

  // Generated once per isolate from the registered routes' schemas. A plain route rather than
  // doc31(), so a failure to build it still goes through onError and the contract's error shape.
  let document: OpenApiDocument | undefined;
  app.get(routes.openapiDocument.path, (c) => {
    document ??= buildDocument(app);
    // The origin it was fetched from: an isolate may serve several hostnames (a custom domain
    // and workers.dev), and "try it" calls must go where the reader is.
    const servers = [{ url: new URL(c.req.url).origin, description: 'This deployment' }];
    return c.json({ ...document, servers }, 200, { 'Cache-Control': 'public, max-age=300' });
  });

  app.get(routes.docsPage.path, (c) => c.html(DOCS_HTML, 200));

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
