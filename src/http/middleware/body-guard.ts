import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../app-env';
import { ApiError } from '../../lib/errors';
import { findJsonProblem } from '../../lib/json-shape';

/**
 * No request schema nests deeper than this; free-form objects (preferences, metadata) set
 * tighter limits of their own. Checked on every body before any schema runs.
 */
const MAX_JSON_DEPTH = 32;

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

const limits = new Map<number, MiddlewareHandler>();

/**
 * Routes whose bodies are larger by design: a batch of 1000 labelled metrics is several hundred
 * KB. The limit still applies before parsing; the route checks its own entry count (413).
 */
const LARGE_BODIES: Record<string, number> = { '/analytics/metrics/batch': 1024 * 1024 };

/** The body limit of a path: MAX_BODY_BYTES, or more for a route above. */
export const bodyLimitFor = (path: string, maxBodyBytes: number) =>
  Math.max(maxBodyBytes, LARGE_BODIES[path] ?? 0);

/**
 * 413 before parsing: rejects on Content-Length, or while streaming a body without one. One
 * middleware per size (MAX_BODY_BYTES is fixed per isolate), not one per request.
 */
export function limitBody(maxSize: number): MiddlewareHandler {
  let limit = limits.get(maxSize);
  if (!limit) {
    limit = bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError('PAYLOAD_TOO_LARGE', `Request body exceeds ${maxSize} bytes`);
      },
    });
    limits.set(maxSize, limit);
  }
  return limit;
}

/**
 * JSON only: a non-empty body must be declared as JSON (415), parse (400 INVALID_JSON), and hold
 * nothing that no field may hold (422: too deep, or ill-formed Unicode in any string or key),
 * so every route refuses those the same way. The text is cached by Hono, so the route
 * validators read the same body.
 */
export const requireJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS')
    return next();
  const mediaType = (c.req.header('Content-Type') ?? '').split(';')[0]!.trim();
  if (!JSON_MEDIA.test(mediaType)) {
    // Read as bytes: a body declared as something else is refused, not decoded as text.
    if ((await c.req.arrayBuffer()).byteLength === 0) return next();
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE');
  }
  const text = await c.req.text();
  if (text.length === 0) return next();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError('INVALID_JSON', 'Request body is not valid JSON');
  }
  const problem = findJsonProblem(body, MAX_JSON_DEPTH);
  if (problem) {
    throw new ApiError('VALIDATION_ERROR', 'Request validation failed', {
      errors: [{ field: problem.path, message: problem.message }],
    });
  }
  await next();
};
