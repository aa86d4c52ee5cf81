import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../../http/app-env';
import { ApiError } from '../../lib/errors';

/**
 * The OAuth endpoints' errors as RFC 6749 §5.2 bodies `{error, error_description}`: decided
 * here, at the edge, from the same ApiError codes the domain throws everywhere. A bearer token
 * refused at userinfo is RFC 6750's `invalid_token`.
 */
function rfcError(err: ApiError): { status: number; error: string } {
  if (err.code.startsWith('OAUTH_')) {
    return { status: err.status, error: err.code.slice('OAUTH_'.length).toLowerCase() };
  }
  switch (err.code) {
    case 'INVALID_TOKEN':
    case 'TOKEN_EXPIRED':
    case 'SESSION_REVOKED':
      return { status: 401, error: 'invalid_token' };
    case 'NOT_FOUND':
      return { status: 404, error: 'invalid_request' };
    case 'FORBIDDEN':
      return { status: 403, error: 'insufficient_scope' };
    case 'RATE_LIMITED':
      return { status: 429, error: 'slow_down' };
    case 'DEPENDENCY_UNAVAILABLE':
      return { status: 503, error: 'temporarily_unavailable' };
    case 'INVALID_API_KEY':
      return { status: 401, error: 'invalid_client' };
    default:
      return err.status >= 500
        ? { status: 500, error: 'server_error' }
        : { status: 400, error: 'invalid_request' };
  }
}

export const oauthError = (thrown: Error, c: Context<AppEnv>) => {
  // The form validator refuses another media type itself (an HTTPException): a bad request.
  const cause =
    thrown instanceof HTTPException && thrown.status < 500
      ? new ApiError('BAD_REQUEST', 'Send the parameters form-encoded')
      : thrown;
  if (!(cause instanceof ApiError)) {
    c.var.logger?.error('unhandled error', { error: cause });
    return c.json({ error: 'server_error' }, 500);
  }
  const { status, error } = rfcError(cause);
  if (status >= 500) c.var.logger?.error('dependency failure', { code: cause.code });
  return new Response(JSON.stringify({ error, error_description: cause.message }), {
    status,
    headers: {
      ...cause.extra.headers,
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
    },
  });
};
