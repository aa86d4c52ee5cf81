import { ERROR_CODES, type ErrorCode } from './error-codes';

/** One entry of a 422's `errors`. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * A failed parse as `errors` entries: the field's path and zod's message, never the raw
 * issue. HTTP 422 bodies and RPC `bad_request` answers both carry this form.
 */
export const fieldErrors = (issues: readonly { path: PropertyKey[]; message: string }[]) =>
  issues.map((issue): FieldError => ({
    field: issue.path.length ? issue.path.map(String).join('.') : '(body)',
    message: issue.message,
  }));

/**
 * The one way the domain, handlers and middleware signal failure: a code from the registry
 * (lib/error-codes.ts, which gives its status and default text). Only app.onError turns it into
 * JSON, so every error body has the contract's shape.
 */
export class ApiError extends Error {
  /** The code's status in the registry: a code always answers with the same status. */
  readonly status: (typeof ERROR_CODES)[ErrorCode]['status'];

  constructor(
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
    this.status = ERROR_CODES[code].status;
  }
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
    throw new ApiError('DEPENDENCY_UNAVAILABLE', `${what} is unavailable`, {
      headers: { 'Retry-After': '5' },
      cause: err,
    });
  }
}
