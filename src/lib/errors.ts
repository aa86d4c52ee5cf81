import { z } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ERROR_CODE_NAMES, ERROR_CODES, errorCodeTable, type ErrorCode } from './error-codes';
import { headerRefs, RATE_LIMIT_HEADERS, type ResponseHeaderName } from './openapi-headers';

export const ErrorSchema = z
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
export type FieldError = NonNullable<ErrorBody['errors']>[number];

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

/**
 * The one way handlers and middleware signal failure. Only app.onError turns it into JSON, so
 * every error body has the contract's shape.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    detail?: string,
    readonly extra: {
      headers?: Record<string, string>;
      errors?: FieldError[];
      cause?: unknown;
    } = {},
  ) {
    super(detail ?? ERROR_CODES[code].message, { cause: extra.cause });
    this.name = 'ApiError';
  }
}

/** Headers an error status carries besides X-Request-ID (see where each is set). */
const STATUS_HEADERS: Partial<Record<number, readonly ResponseHeaderName[]>> = {
  423: ['Retry-After'], // lib/login-attempts.ts
  429: ['Retry-After', ...RATE_LIMIT_HEADERS], // middleware/rate-limit.ts
  503: ['Retry-After'], // every DEPENDENCY_UNAVAILABLE throw
};

/**
 * OpenAPI `responses` entries for the given error statuses, all with the one error schema and
 * the headers that status is sent with.
 */
export function errorResponses<const S extends readonly (keyof typeof STATUS_TEXT & number)[]>(
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

/**
 * Runs a call to D1 or a Durable Object where a failure must fail closed (security.md
 * "Faults"): any error becomes 503 DEPENDENCY_UNAVAILABLE, never a guess.
 */
export async function orUnavailable<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(503, 'DEPENDENCY_UNAVAILABLE', `${what} is unavailable`, {
      headers: { 'Retry-After': '5' },
      cause: err,
    });
  }
}
