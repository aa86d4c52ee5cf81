import type { Context } from 'hono';
import { version } from '../../../package.json';
import { getConfig } from '../../config';
import { isAdminNow } from '../../domain/access';
import { databaseKind, healthReport, probeComponents, readiness } from '../../domain/health';
import { ApiError } from '../../lib/errors';
import { loadServiceKeys, matchServiceKey } from '../../lib/service-keys';
import { requireSigningKeys } from '../../lib/secrets';
import { JWKS_MAX_AGE_S, publishedAt } from '../../lib/signing-keys';
import { bearerToken, requireAuth, userOf } from '../../http/middleware/require-auth';
import type { AppEnv, AppRouteHandler } from '../../http/app-env';
import type * as routes from './system.routes';

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
async function seesDetail(c: Context<AppEnv, string>, configOk: boolean): Promise<boolean> {
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

export const health: AppRouteHandler<typeof routes.health> = async (c) => {
  const config = getConfig(c.env);
  const [probes, detail] = await Promise.all([
    probeComponents({
      db: c.var.db,
      sessions: c.env.SESSIONS,
      limiters: c.env.RATE_LIMITER,
      analytics: c.env.ANALYTICS,
      logger: c.var.logger,
    }),
    seesDetail(c, config.ok),
  ]);
  const secrets = config.ok ? c.var.secrets : undefined;
  const database = databaseKind(c.env);
  const { healthy, body } = healthReport(config, secrets, probes, database, detail, Date.now());
  return healthy ? c.json(body, 200) : c.json(body, 503);
};

export const ready: AppRouteHandler<typeof routes.ready> = async (c) => {
  const { missing, pending, sessions } = await readiness({
    db: c.var.db,
    database: databaseKind(c.env),
    sessions: c.env.SESSIONS,
  });
  const isReady = missing.length === 0 && pending.length === 0 && sessions && getConfig(c.env).ok;
  const body = { ready: isReady, missing_tables: missing, pending_migrations: pending };
  return isReady ? c.json(body, 200) : c.json(body, 503);
};

export const jwks: AppRouteHandler<typeof routes.jwks> = (c) => {
  const keys = requireSigningKeys(c.var.secrets);
  // A rotation publishes the next key at least twice this long before it signs
  // (scripts/signing-key-rotation.mjs), so no verifier's cached copy lacks a key in use.
  const now = c.var.deps.now();
  // The identity provider's RS256 keys (ID tokens) beside the access tokens' ones.
  const rsa = c.var.secrets.rsaSigning.keys;
  const published = [...publishedAt(keys, now), ...(rsa ? publishedAt(rsa, now) : [])].map(
    (e) => e.jwk,
  );
  return c.json(
    { keys: published as { kty: string; kid: string; alg: string; use: string }[] },
    200,
    { 'Cache-Control': `public, max-age=${JWKS_MAX_AGE_S}` },
  );
};
