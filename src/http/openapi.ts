import type { Hook } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { ApiError, fieldErrors } from '../lib/errors';
import { ERROR_CODE_NAMES, errorCodeTable } from '../lib/error-codes';
import { headerRefs, RATE_LIMIT_HEADERS, type ResponseHeaderName } from './openapi-headers';

/**
 * zod-openapi's validation hook: turns a failed parse into the contract's 422, with one entry
 * per field and the zod message (never the raw ZodError).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the hook serves every route
export const validationHook: Hook<any, any, any, any> = (result) => {
  if (result.success) return;
  const errors = fieldErrors(result.error.issues);
  // The contract names a bad email on its own (422 INVALID_EMAIL).
  const onlyEmail = errors.every((e) => e.field === 'email');
  throw new ApiError(
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

const ErrorSchema = z
  .object({
    detail: z.string().openapi({ example: 'Invalid email or password' }),
    error_code: z.enum(ERROR_CODE_NAMES).openapi({
      example: 'INVALID_CREDENTIALS',
      description: `Machine-readable; one of:\n\n${errorCodeTable()}`,
    }),
    request_id: z.string().openapi({ description: 'The X-Request-ID of this response' }),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Present only on 422: one entry per invalid field' }),
  })
  .openapi('Error');

export type ErrorBody = z.infer<typeof ErrorSchema>;

/** What each documented error status means, for the responses' descriptions. */
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Authentication required',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Request body too large',
  415: 'Content-Type must be application/json',
  422: 'Validation failed',
  423: 'Account locked',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service temporarily unavailable',
};

/** Headers an error status carries besides X-Request-ID (see where each is set). */
const STATUS_HEADERS: Partial<Record<number, readonly ResponseHeaderName[]>> = {
  423: ['Retry-After'], // domain/limits.ts (the lockout)
  429: ['Retry-After', ...RATE_LIMIT_HEADERS, 'X-RateLimit-Remaining', 'X-RateLimit-Reset'], // middleware/rate-limit.ts
  503: ['Retry-After'], // every DEPENDENCY_UNAVAILABLE throw
};

/**
 * OpenAPI `responses` entries for the given error statuses, all with the one error schema and
 * the headers that status is sent with.
 */
export function errorResponses<const S extends readonly (keyof typeof STATUS_TEXT)[]>(
  ...statuses: S
) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: STATUS_TEXT[s] ?? 'Error',
        headers: headerRefs('X-Request-ID', ...(STATUS_HEADERS[s] ?? [])),
        content: { 'application/json': { schema: ErrorSchema } },
      },
    ]),
  ) as {
    [K in S[number]]: {
      description: string;
      headers: ReturnType<typeof headerRefs>;
      content: { 'application/json': { schema: typeof ErrorSchema } };
    };
  };
}
