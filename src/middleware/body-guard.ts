import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../types';
import { ApiError } from '../lib/errors';

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

const limits = new Map<number, MiddlewareHandler>();

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
        throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${maxSize} bytes`);
      },
    });
    limits.set(maxSize, limit);
  }
  return limit;
}

/**
 * JSON only: a non-empty body must be declared as JSON (415) and parse (400 INVALID_JSON).
 * The parsed body is cached by Hono, so the route validators do not parse it again.
 */
export const requireJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS')
    return next();
  const text = await c.req.text();
  if (text.length === 0) return next();
  const mediaType = (c.req.header('Content-Type') ?? '').split(';')[0]!.trim();
  if (!JSON_MEDIA.test(mediaType)) throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE');
  try {
    JSON.parse(text);
  } catch {
    throw new ApiError(400, 'INVALID_JSON', 'Request body is not valid JSON');
  }
  await next();
};
