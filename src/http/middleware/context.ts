import type { MiddlewareHandler } from 'hono';
import { createDb, createDeps } from '../../domain/deps';
import { deviceOf } from '../device';
import { getConfig } from '../../config';
import { ApiError } from '../../lib/errors';
import { createLogger } from '../../lib/logger';
import { loadSecrets } from '../../lib/secrets';
import type { AppEnv } from '../app-env';

/**
 * The path as logged: a path segment that is a bearer secret (an invitation's token) is
 * replaced, since logs are read by more people, and kept longer, than the secret may be.
 */
const loggablePath = (path: string) =>
  path.replace(/^(\/organizations\/invitations\/)[^/]+/, '$1[redacted]');

/**
 * Puts the parsed config, the domain's deps, a drizzle handle and a request-scoped logger on
 * `c.var`. An invalid
 * configuration answers 503 on every route but /health, which reports what is wrong.
 */
export const context: MiddlewareHandler<AppEnv> = async (c, next) => {
  const logger = createLogger(c.var.requestId);
  c.set('logger', logger);
  const config = getConfig(c.env);
  if (!config.ok) {
    logger.error('invalid configuration', { problems: config.problems });
    if (!c.req.path.startsWith('/health')) {
      throw new ApiError('DEPENDENCY_UNAVAILABLE', 'Service is misconfigured', {
        headers: { 'Retry-After': '60' },
      });
    }
  } else {
    const secrets = await loadSecrets(config);
    c.set('config', config);
    c.set('secrets', secrets);
    c.set(
      'deps',
      createDeps(c.env, {
        config,
        secrets,
        logger,
        origin: { ...deviceOf(c), requestId: c.var.requestId },
        defer: (work) => c.executionCtx.waitUntil(work),
      }),
    );
  }
  try {
    c.set('db', createDb(c.env));
  } catch (err) {
    // Only an invalid LIBSQL_URL gets here, and validation refused it already: /health still
    // answers (its database probe fails on the missing handle), every other route is 503.
    if (config.ok) throw err;
    logger.error('database unavailable', { error: err });
  }
  const started = Date.now();
  await next();
  // The request's domain events go to the analytics queue in one batch, after the answer.
  if (config.ok) c.var.deps.events.flush(c.res.status < 400);
  // One line per refused or failed answer; a successful one is in the platform's own invocation
  // log (Workers Logs: method, URL, status, CPU and wall time). A line on every answer was a
  // quarter of the trivial route's CPU (interleaved A/B, issue 23).
  if (c.res.status >= 400) {
    logger.info('request', {
      method: c.req.method,
      path: loggablePath(c.req.path),
      status: c.res.status,
      duration_ms: Date.now() - started,
    });
  }
};
