import type { Hook } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { ApiError } from '../lib/errors';
import { headerRefs } from '../lib/openapi-headers';

/**
 * zod-openapi's validation hook: turns a failed parse into the contract's 422, with one entry
 * per field and the zod message (never the raw ZodError).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the hook serves every route
export const validationHook: Hook<any, any, any, any> = (result) => {
  if (result.success) return;
  const errors = result.error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join('.') : '(body)',
    message: issue.message,
  }));
  // The contract names a bad email on its own (422 INVALID_EMAIL).
  const onlyEmail = errors.every((e) => e.field === 'email');
  throw new ApiError(
    422,
    onlyEmail ? 'INVALID_EMAIL' : 'VALIDATION_ERROR',
    onlyEmail ? 'Email address is invalid' : 'Request validation failed',
    { errors },
  );
};

/** A JSON request body that is required and described, for createRoute. */
export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  description,
  content: { 'application/json': { schema } },
});

/** A JSON response entry for createRoute; every response carries X-Request-ID (app.ts). */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  headers: headerRefs('X-Request-ID'),
  content: { 'application/json': { schema } },
});

/** A response without a body (204), for createRoute. */
export const noContent = (description: string) => ({
  description,
  headers: headerRefs('X-Request-ID'),
});

export const bearerAuth = [{ bearerAuth: [] }];
export const serviceAuth = [{ apiKeyAuth: [] }];
/** `security` of a route anyone may call: OpenAPI's explicit "no authentication". */
export const publicRoute: [] = [];
