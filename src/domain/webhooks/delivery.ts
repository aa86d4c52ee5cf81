import {
  emailOf,
  findDeliveryWithEndpoint,
  recordAttempt,
  disableEndpoint,
  setDeliveryStatus,
} from '../../db/queries/webhooks';
import type { WebhookDelivery, WebhookEndpoint } from '../../db/schema';
import { DEVELOPMENT_ENVIRONMENTS } from '../../config';
import type { Keyring } from '../../lib/keyring';
import type { Deps } from '../deps';
import { notify } from '../notifications';
import { signatureHeader, signingSecrets } from './secrets';
import { webhookUrlProblem } from './url-policy';

/** An endpoint failing for this long without a success is disabled and its creator told. */
export const DISABLE_AFTER_MS = 5 * 86_400_000;

/** Cloudflare Queues: the longest delay a retry may ask for. */
const MAX_DELAY_SECONDS = 43_200;

export type DeliveryDeps = Pick<Deps, 'config' | 'db' | 'logger' | 'now' | 'breakers'> & {
  /** The keys the endpoints' secrets are sealed under (MFA_ENCRYPTION_KEY). */
  keyring: Keyring;
};

/** The wait before attempt `attempt + 1`: exponential, base * 4^(attempt-1), at most 12 h. */
export const retryDelaySeconds = (base: number, attempt: number) =>
  Math.min(MAX_DELAY_SECONDS, base * 4 ** Math.max(0, attempt - 1));

interface Outcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

/**
 * One POST to the receiver: a timeout, redirects never followed (a 3xx is a failure: following
 * one would leave the checked URL), and nothing of the answer kept but its status.
 */
async function post(
  deps: DeliveryDeps,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<Outcome> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'edge-auth-webhooks',
        ...headers,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.config.WEBHOOK_TIMEOUT_MS),
    });
    await res.body?.cancel().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return { ok, statusCode: res.status, error: ok ? null : `HTTP ${res.status}` };
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    return {
      ok: false,
      statusCode: null,
      error: timedOut ? 'timed out' : `connection failed: ${String(err).slice(0, 200)}`,
    };
  }
}

/**
 * security.md "Outbound URLs": the call sits behind a circuit breaker, one per endpoint, so a
 * burst of deliveries to a receiver that is down costs a few calls, not one per delivery; while
 * the circuit is open an attempt fails without a call and backs off like any other failure.
 */
async function guardedPost(
  deps: DeliveryDeps,
  endpointId: string,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<Outcome> {
  const config = {
    threshold: deps.config.BREAKER_FAILURE_THRESHOLD,
    cooldownMs: deps.config.BREAKER_COOLDOWN_SECONDS * 1000,
  };
  const breaker = deps.breakers.get(deps.breakers.idFromName(`webhook:${endpointId}`));
  const admission = await breaker.acquire(config);
  if (!admission.allowed) {
    return { ok: false, statusCode: null, error: 'circuit open: the receiver kept failing' };
  }
  const outcome = await post(deps, url, headers, body);
  await breaker.record(config, admission.ticket, outcome.ok).catch((err: unknown) => {
    deps.logger.error('circuit breaker outcome not recorded', {
      endpoint_id: endpointId,
      error: err,
    });
  });
  return outcome;
}

/** Disables an endpoint that has failed for DISABLE_AFTER_MS, and emails its creator. */
async function disable(deps: DeliveryDeps, endpoint: WebhookEndpoint, now: number) {
  // Of concurrent failing deliveries, the one that disables it sends the one email.
  if (!(await disableEndpoint(deps.db, endpoint.id, new Date(now)))) return;
  deps.logger.warn('webhook endpoint disabled after 5 days of failures', {
    endpoint_id: endpoint.id,
  });
  const to = endpoint.createdBy ? await emailOf(deps.db, endpoint.createdBy) : null;
  if (!to) return;
  await notify(deps, {
    channel: 'email',
    to,
    subject: 'A webhook endpoint was disabled',
    text: `Deliveries to ${endpoint.url} (endpoint ${endpoint.id}) have failed for 5 days, so the endpoint was disabled and no more events are sent to it. Fix the receiver, then enable it again (PATCH /webhooks/endpoints/${endpoint.id} with {"disabled": false}) and replay the deliveries you need.`,
  });
}

/**
 * The consumer's second stage: one attempt of one delivery. Gone (endpoint or organization
 * deleted): acked, nothing sent. Otherwise the URL is checked again, the body signed with the
 * endpoint's secret(s) and posted; a failure is retried with a growing delay until the last
 * attempt, which leaves a dead record. Never throws for the receiver's behaviour.
 */
export async function deliverOnce(deps: DeliveryDeps, message: Message, deliveryId: string) {
  const found = await findDeliveryWithEndpoint(deps.db, deliveryId);
  if (!found) return message.ack();
  const { delivery, endpoint } = found;
  const now = deps.now();
  if (endpoint.disabled) {
    await setDeliveryStatus(deps.db, delivery.id, 'failed', new Date(now), 'endpoint disabled');
    return message.ack();
  }
  const outcome = await attempt(deps, endpoint, delivery, now);
  const at = new Date(deps.now());
  const common = { statusCode: outcome.statusCode, error: outcome.error, at };
  if (outcome.ok) {
    await recordAttempt(deps.db, delivery, {
      ...common,
      status: 'succeeded',
      nextAttemptAt: null,
      failing: endpoint.failingSince ? 'clear' : 'keep',
    });
    return message.ack();
  }
  const last = message.attempts >= deps.config.WEBHOOK_MAX_ATTEMPTS;
  const delay = retryDelaySeconds(deps.config.WEBHOOK_RETRY_BASE_SECONDS, message.attempts);
  await recordAttempt(deps.db, delivery, {
    ...common,
    status: last ? 'dead' : 'failed',
    nextAttemptAt: last ? null : new Date(at.getTime() + delay * 1000),
    failing: 'start',
  });
  const failingSince = endpoint.failingSince?.getTime() ?? now;
  if (now - failingSince >= DISABLE_AFTER_MS) await disable(deps, endpoint, now);
  if (last) return message.ack();
  message.retry({ delaySeconds: delay });
}

/** The URL checked again, the body signed with the endpoint's secret(s), and the POST. */
async function attempt(
  deps: DeliveryDeps,
  endpoint: WebhookEndpoint,
  delivery: WebhookDelivery,
  now: number,
): Promise<Outcome> {
  const development = (DEVELOPMENT_ENVIRONMENTS as readonly string[]).includes(
    deps.config.ENVIRONMENT,
  );
  const problem = webhookUrlProblem(endpoint.url, development);
  if (problem) return { ok: false, statusCode: null, error: `URL refused: ${problem}` };
  const secrets = await signingSecrets(deps.keyring, endpoint, now);
  const headers = {
    'webhook-id': delivery.messageId,
    'webhook-timestamp': String(Math.floor(now / 1000)),
    'webhook-signature': signatureHeader(
      secrets,
      delivery.messageId,
      new Date(now),
      delivery.payload,
    ),
  };
  return guardedPost(deps, endpoint.id, endpoint.url, headers, delivery.payload);
}
