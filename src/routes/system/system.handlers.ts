import type { Context } from 'hono';
import { version } from '../../../package.json';
import { missingTables, pingDatabase } from '../../db/queries/health';
import { getConfig } from '../../config';
import { isAdminNow } from '../../domain/access';
import { limiterFor } from '../../domain/limits';
import { sessionStore } from '../../durable-objects/session-store/object';
import { ApiError } from '../../lib/errors';
import { loadServiceKeys, matchServiceKey } from '../../lib/service-keys';
import { requireSigningKeys } from '../../lib/secrets';
import { bearerToken, requireAuth, userOf } from '../../http/middleware/require-auth';
import type { AppEnv, AppRouteHandler } from '../../http/app-env';
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

/**
 * Whether the caller may see which secret or setting is wrong: a configured service key
 * (X-API-Key) or an admin's live session. Anyone else learns only which component fails, not
 * which secret is missing or weak (that would tell an attacker where the deployment is soft).
 * Never throws: a bad credential just gets the public view.
 */
async function seesDetail(c: Context<AppEnv>, configOk: boolean): Promise<boolean> {
  const apiKey = c.req.header('X-API-Key');
  if (apiKey !== undefined) {
    // With an invalid config no secrets were loaded; the service keys parse on their own.
    const raw = c.env.SERVICE_API_KEYS;
    const services = configOk
      ? c.var.secrets.services
      : loadServiceKeys(typeof raw === 'string' ? raw : undefined);
    return matchServiceKey(services.keys, apiKey) !== null;
  }
  if (!configOk || !bearerToken(c.req.header('Authorization'))) return false;
  let admin = false;
  try {
    await requireAuth(c, async () => {
      admin = await isAdminNow(c.var.deps, userOf(c));
    });
  } catch (err) {
    if (!(err instanceof ApiError))
      c.var.logger.error('health caller check failed', { error: err });
  }
  return admin;
}

const healthyStatus = (s: string) => s === 'ok' || s === 'not_configured';

/** Each secret's status (detailed view); none was loaded when the config is invalid. */
const secretStatuses = (c: Context<AppEnv>, configOk: boolean) => ({
  signing_key: configOk ? c.var.secrets.signing.status : ('not_configured' as const),
  password_pepper: configOk ? c.var.secrets.pepper.status : ('not_configured' as const),
  service_keys: configOk ? c.var.secrets.services.status : ('not_configured' as const),
});

export const health: AppRouteHandler<typeof routes.health> = async (c) => {
  const config = getConfig(c.env);
  const log = (component: string) => (err: unknown) =>
    c.var.logger.error('health probe failed', { component, error: err });
  const [database, sessions, rate_limiter, detail] = await Promise.all([
    probe(() => pingDatabase(c.var.db), log('database')),
    probe(() => sessionStore(c.env.SESSIONS, '__health__').ping(), log('sessions')),
    // From the bindings, not deps: /health answers even when the config is invalid.
    probe(
      () => limiterFor({ limiters: c.env.RATE_LIMITER }, '__health__').ping(),
      log('rate_limiter'),
    ),
    seesDetail(c, config.ok),
  ]);
  const secrets = secretStatuses(c, config.ok);
  const components = {
    config: config.ok ? ('ok' as const) : ('invalid' as const),
    database,
    sessions,
    rate_limiter,
    queue: 'not_configured' as const,
    secrets: !config.ok
      ? ('not_configured' as const)
      : Object.values(secrets).every(healthyStatus)
        ? ('ok' as const)
        : ('error' as const),
  };
  const healthy = config.ok && Object.values(components).every(healthyStatus);
  const body = {
    status: healthy ? ('ok' as const) : ('degraded' as const),
    timestamp: new Date().toISOString(),
    version,
    components: detail ? { ...components, ...secrets } : components,
    ...(detail && !config.ok ? { problems: config.problems } : {}),
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
