import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { getConfig } from './config';
import { DOCS_CSP } from './routes/docs/docs.page';
import { isPagePath, pageHeaders } from './routes/pages/pages.security';

/** POST /auth/oauth/{provider}/callback: a form, validated by its route. */
const FORM_POST_CALLBACK = /^\/auth\/oauth\/[a-z][a-z0-9_]{0,31}\/callback$/;
import type { ErrorCode } from './lib/error-codes';
import { ApiError } from './lib/errors';
import { type ErrorBody } from './http/openapi';
import { createLogger } from './lib/logger';
import { bodyLimitFor, limitBody, requireJsonBody } from './http/middleware/body-guard';
import { context } from './http/middleware/context';
import { CSRF_HEADER } from './http/cookie-transport';
import { createRouter, type AppEnv } from './http/app-env';
import type { Context, Hono } from 'hono';

const DOCS_PATH = '/docs';

/** The identity provider's form-encoded endpoints (routes/oauth). */
const OAUTH_FORM_PATHS = new Set([
  '/oauth/token',
  '/oauth/revoke',
  '/oauth/introspect',
  '/oauth/userinfo',
]);
const isOAuthFormPath = (path: string) => OAUTH_FORM_PATHS.has(path);

const HTTP_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'INVALID_TOKEN',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

const errorJson = (requestId: string, err: ApiError): ErrorBody => ({
  detail: err.message,
  error_code: err.code,
  request_id: requestId,
  ...(err.extra.errors ? { errors: err.extra.errors } : {}),
});

/**
 * An app serving `routers` behind the shared middleware (request id, security headers, CORS,
 * body limits, the request's dependencies) with the contract's error shape. src/apps.ts builds
 * one per URL prefix, so an isolate loads only the routes it is asked for.
 */
export function createApp(routers: Hono<AppEnv>[], extend?: (app: AppRouter) => void) {
  const app = createRouter();

  app.use(requestId({ headerName: 'X-Request-ID', limitLength: 128 }));
  const apiHeaders = secureHeaders({
    // JSON API: nothing may be framed or loaded.
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    referrerPolicy: 'no-referrer',
    crossOriginResourcePolicy: 'cross-origin',
  });
  // The docs page loads its renderer from this origin, and only that (routes/docs/docs.page.ts).
  const docsHeaders = secureHeaders({
    contentSecurityPolicy: DOCS_CSP,
    referrerPolicy: 'no-referrer',
    crossOriginEmbedderPolicy: false,
  });
  app.use((c, next) => {
    if (c.req.path === DOCS_PATH) return docsHeaders(c, next);
    // The hosted pages: HTML with nonce'd styles, forms posting here (routes/pages).
    if (isPagePath(c.req.path)) return pageHeaders(c, next);
    return apiHeaders(c, next);
  });
  // CORS only for the configured origins (CORS_ORIGINS); any other origin gets no CORS headers.
  // Credentials (the refresh cookie, ?transport=cookie) likewise: hono's cors() would send
  // Allow-Credentials to every origin, so it is dropped where no origin was allowed.
  const corsHeaders = cors({
    // hono types the callback's context as any app's: this is ours, with our bindings.
    origin: (origin, c: Context<AppEnv>) => {
      const config = getConfig(c.env);
      return config.ok && config.CORS_ORIGINS.includes(origin) ? origin : null;
    },
    allowHeaders: ['Content-Type', 'Authorization', 'X-Request-ID', CSRF_HEADER],
    credentials: true,
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposeHeaders: [
      'X-Request-ID',
      'Retry-After',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
    ],
    maxAge: 600,
  });
  app.use(async (c, next) => {
    // A request without Origin is not a CORS request (a server, a same-origin GET, curl): it
    // gets no CORS headers, only the Vary cors() adds to every answer. cors() would write its
    // headers onto a placeholder response before the route answers, which Hono then copies into
    // the real one: ~10 % of the trivial route's CPU (inspector profile, issue 23).
    if (c.req.header('Origin') === undefined && c.req.method !== 'OPTIONS') {
      await next();
      // Hono merges the headers set before the answer (X-Request-ID) only into responses it
      // builds or already holds: one a route built itself (the docs script) gets it here.
      if (!c.res.headers.has('X-Request-ID')) c.header('X-Request-ID', c.var.requestId);
      try {
        c.res.headers.append('Vary', 'Origin');
      } catch {
        // Immutable headers (a response fetched from a binding): Hono copies it.
        c.header('Vary', 'Origin', { append: true });
      }
      return;
    }
    // A preflight is answered by cors() itself, without the routes.
    const preflight = await corsHeaders(c, next);
    if (preflight) c.res = preflight;
    if (!c.res.headers.has('Access-Control-Allow-Origin')) {
      c.res.headers.delete('Access-Control-Allow-Credentials');
    }
  });
  // An auth API's answers are per-user: nothing is cacheable unless a route says so (JWKS, docs).
  app.use(async (c, next) => {
    await next();
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  });
  // The body's limit, then its JSON checks, as one step that a GET, HEAD or OPTIONS (most
  // requests: verify, the trivial route) skips at once: they carry no body a route would read.
  app.use((c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return next();
    const config = getConfig(c.env);
    const max = bodyLimitFor(c.req.path, config.ok ? config.MAX_BODY_BYTES : 64 * 1024);
    // The hosted pages post forms, which their own handlers read and bound (routes/pages), as
    // do the OAuth endpoints (form-encoded, RFC 6749; their schemas read them) and providers
    // answering with response_mode=form_post (Apple) at their callback.
    const then =
      isPagePath(c.req.path) || isOAuthFormPath(c.req.path) || FORM_POST_CALLBACK.test(c.req.path)
        ? next
        : async () => {
            await requireJsonBody(c, next);
          };
    return limitBody(max)(c, then);
  });
  app.use(context);

  for (const router of routers) app.route('/', router);
  extend?.(app);
  app.notFound((c) => {
    const err = new ApiError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`);
    return c.json(errorJson(c.var.requestId, err), 404);
  });

  app.onError((cause, c) => {
    const requestId = c.var.requestId ?? crypto.randomUUID();
    let err: ApiError;
    if (cause instanceof ApiError) {
      err = cause;
      if (err.status >= 500) {
        c.var.logger?.error('dependency failure', {
          code: err.code,
          error: err.cause ?? err.message,
        });
      }
    } else if (cause instanceof HTTPException && cause.status < 500) {
      err = new ApiError(HTTP_CODES[cause.status] ?? 'BAD_REQUEST', cause.message || undefined);
    } else {
      (c.var.logger ?? createLogger(requestId)).error('unhandled error', {
        error: cause,
      });
      err = new ApiError('INTERNAL_ERROR', 'Internal server error');
    }
    return c.json(errorJson(requestId, err), err.status, err.extra.headers);
  });
  return app;
}

export type AppRouter = ReturnType<typeof createRouter>;
