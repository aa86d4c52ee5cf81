import { version } from '../../../package.json';
import { missingTables, pingDatabase } from '../../db/queries/health';
import { getConfig } from '../../env';
import { limiterFor } from '../../lib/limiter';
import { sessionStore } from '../../lib/session-tokens';
import { requireSigningKeys } from '../../lib/secrets';
import type { AppRouteHandler } from '../../types';
import type * as routes from './system.routes';

const PROBE_TIMEOUT_MS = 2_000;

/** 'ok' if the probe settles in time, 'error' otherwise (the failure is logged, not returned). */
async function probe(
  run: () => Promise<unknown>,
  log: (e: unknown) => void,
): Promise<'ok' | 'error'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('probe timed out')), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([run(), timeout]);
    return 'ok';
  } catch (err) {
    log(err);
    return 'error';
  } finally {
    clearTimeout(timer);
  }
}

export const root: AppRouteHandler<typeof routes.root> = (c) =>
  c.json(
    {
      name: 'edge-auth',
      version,
      docs: '/docs',
      openapi: '/openapi.json',
      jwks: '/.well-known/jwks.json',
    },
    200,
  );

export const health: AppRouteHandler<typeof routes.health> = async (c) => {
  const config = getConfig(c.env);
  const log = (component: string) => (err: unknown) =>
    c.var.logger.error('health probe failed', { component, error: err });
  const [database, sessions, rate_limiter] = await Promise.all([
    probe(() => pingDatabase(c.var.db), log('database')),
    probe(() => sessionStore(c.env.SESSIONS, '__health__').ping(), log('sessions')),
    probe(() => limiterFor(c, '__health__').ping(), log('rate_limiter')),
  ]);
  const components = {
    config: config.ok ? ('ok' as const) : ('invalid' as const),
    database,
    sessions,
    rate_limiter,
    queue: 'not_configured' as const,
    signing_key: config.ok ? c.var.secrets.signing.status : ('not_configured' as const),
    password_pepper: config.ok ? c.var.secrets.pepper.status : ('not_configured' as const),
    service_keys: config.ok ? c.var.secrets.services.status : ('not_configured' as const),
  };
  const healthy =
    Object.values(components).every((s) => s === 'ok' || s === 'not_configured') && config.ok;
  const body = {
    status: healthy ? ('ok' as const) : ('degraded' as const),
    timestamp: new Date().toISOString(),
    version,
    components,
    ...(config.ok ? {} : { problems: config.problems }),
  };
  return healthy ? c.json(body, 200) : c.json(body, 503);
};

export const ready: AppRouteHandler<typeof routes.ready> = async (c) => {
  const [missing, sessions] = await Promise.all([
    missingTables(c.var.db).catch(() => ['(database unreachable)']),
    sessionStore(c.env.SESSIONS, '__health__')
      .ping()
      .then(
        () => true,
        () => false,
      ),
  ]);
  const isReady = missing.length === 0 && sessions && getConfig(c.env).ok;
  const body = { ready: isReady, missing_tables: missing };
  return isReady ? c.json(body, 200) : c.json(body, 503);
};

export const jwks: AppRouteHandler<typeof routes.jwks> = (c) => {
  const keys = requireSigningKeys(c.var.secrets);
  // Verifiers may cache briefly; rotation keeps old keys published longer than this.
  return c.json(
    { keys: keys.publicJwks as { kty: string; kid: string; alg: string; use: string }[] },
    200,
    { 'Cache-Control': 'public, max-age=300' },
  );
};
