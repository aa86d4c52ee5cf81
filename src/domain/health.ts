import { version } from '../../package.json';
import type { Config } from '../config';
import { databaseKind, type DatabaseKind, type Db } from '../db/client';
import { missingTables, pendingMigrations, pingDatabase } from '../db/queries/health';
import type { RateLimiter } from '../durable-objects/rate-limiter/object';
import { sessionStore, type SessionStore } from '../durable-objects/session-store/object';
import type { Logger } from '../lib/logger';
import type { Secrets } from '../lib/secrets';
import { limiterFor } from './limits';

const PROBE_TIMEOUT_MS = 2_000;
type Probe = 'ok' | 'error';

// Which engine serves the database, for the health answer (routes reach db/ only through here).
export { databaseKind };

/** 'ok' if the probe settles in time, 'error' otherwise (the failure is logged, not returned). */
async function probe(run: () => Promise<unknown>, log: (e: unknown) => void): Promise<Probe> {
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

/**
 * Probes each binding. Takes the bindings, not Deps: /health answers even when the config is
 * invalid and no Deps could be built.
 */
export async function probeComponents(parts: {
  db: Db;
  sessions: DurableObjectNamespace<SessionStore>;
  limiters: DurableObjectNamespace<RateLimiter>;
  /** The ANALYTICS producer binding, when wrangler.toml declares it. */
  analytics?: Queue<unknown>;
  logger: Logger;
}) {
  const log = (component: string) => (err: unknown) =>
    parts.logger.error('health probe failed', { component, error: err });
  const [database, sessions, rate_limiter] = await Promise.all([
    probe(() => pingDatabase(parts.db), log('database')),
    probe(() => sessionStore(parts.sessions, '__health__').ping(), log('sessions')),
    probe(() => limiterFor(parts, '__health__').ping(), log('rate_limiter')),
  ]);
  // A queue has no read-only probe (any send is a message the aggregator would count), so a
  // declared binding is reported ok; failed sends show in /metrics (platform_queue_send_failed).
  const queue = parts.analytics ? ('ok' as const) : ('not_configured' as const);
  return { database, sessions, rate_limiter, queue };
}

const healthyStatus = (s: string) => s === 'ok' || s === 'not_configured';

/**
 * The /health answer; `database` names the active one (D1 or libSQL), whose round trip is the
 * `database` component. The public view names failing components only; `detail` (a service or an
 * admin asking) adds each secret's status and the configuration problems by var name, which
 * would tell an attacker where a deployment is soft.
 */
export function healthReport(
  config: Config,
  secrets: Secrets | undefined,
  probes: Awaited<ReturnType<typeof probeComponents>>,
  database: DatabaseKind,
  detail: boolean,
  now: number,
) {
  const none = 'not_configured' as const;
  const secretStatuses = {
    signing_key: secrets?.signing.status ?? none,
    password_pepper: secrets?.pepper.status ?? none,
    service_keys: secrets?.services.status ?? none,
    mfa_encryption_key: secrets?.mfa.status ?? none,
    // Optional (the identity provider's RS256 key): not having one is not a fault.
    rsa_signing_key:
      !secrets || secrets.rsaSigning.status === 'missing' ? none : secrets.rsaSigning.status,
  };
  const secretsOk = Object.values(secretStatuses).every(healthyStatus);
  const components = {
    config: config.ok ? ('ok' as const) : ('invalid' as const),
    ...probes,
    secrets: !secrets ? none : secretsOk ? ('ok' as const) : ('error' as const),
  };
  const healthy = config.ok && Object.values(components).every(healthyStatus);
  const body = {
    status: healthy ? ('ok' as const) : ('degraded' as const),
    timestamp: new Date(now).toISOString(),
    version,
    database,
    components: detail ? { ...components, ...secretStatuses } : components,
    ...(detail && !config.ok ? { problems: config.problems } : {}),
  };
  return { healthy, body };
}

/** Ready to serve: migrations applied (every table there), the session store answering. */
export async function readiness(parts: {
  db: Db;
  database: DatabaseKind;
  sessions: DurableObjectNamespace<SessionStore>;
}) {
  const unreachable = ['(database unreachable)'];
  const [missing, pending, sessions] = await Promise.all([
    missingTables(parts.db).catch(() => unreachable),
    pendingMigrations(parts.db, parts.database).catch(() => unreachable),
    sessionStore(parts.sessions, '__health__')
      .ping()
      .then(
        () => true,
        () => false,
      ),
  ]);
  return { missing, pending, sessions };
}
