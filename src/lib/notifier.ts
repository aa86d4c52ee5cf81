import type { Db } from '../db/client';
import type { Admission, CircuitBreaker } from '../durable-objects/circuit-breaker/object';
import type { ReadyConfig } from '../config';
import type { Logger } from './logger';
import { outboxProvider } from './providers/outbox';
import type { Message, Provider } from './providers/provider';
import { resendProvider } from './providers/resend';
import { twilioProvider } from './providers/twilio';

export type { Message };

export interface NotifierDeps {
  config: ReadyConfig;
  db: Db;
  breakers: DurableObjectNamespace<CircuitBreaker>;
  logger: Logger;
}

export type Delivery = 'sent' | 'circuit_open' | 'failed';

/** The configured provider for a channel. */
export function providerFor(deps: NotifierDeps, channel: Message['channel']): Provider {
  const { config } = deps;
  if (channel === 'email') {
    return config.EMAIL_PROVIDER === 'resend'
      ? resendProvider({
          url: config.RESEND_API_URL,
          apiKey: config.RESEND_API_KEY,
          from: config.EMAIL_FROM,
        })
      : outboxProvider(deps.db, 'email');
  }
  return config.SMS_PROVIDER === 'twilio'
    ? twilioProvider({
        baseUrl: config.TWILIO_API_URL,
        accountSid: config.TWILIO_ACCOUNT_SID,
        authToken: config.TWILIO_AUTH_TOKEN,
        from: config.SMS_FROM,
      })
    : outboxProvider(deps.db, 'sms');
}

/**
 * Sends one message through its channel's provider behind that provider's circuit breaker:
 * while the circuit is open no call is made. Never throws: callers run it in waitUntil, off the
 * response path, so a slow or failing provider never changes an answer.
 */
export async function notify(deps: NotifierDeps, message: Message): Promise<Delivery> {
  const provider = providerFor(deps, message.channel);
  const breakerConfig = {
    threshold: deps.config.BREAKER_FAILURE_THRESHOLD,
    cooldownMs: deps.config.BREAKER_COOLDOWN_SECONDS * 1000,
  };
  const breaker = deps.breakers.get(deps.breakers.idFromName(provider.name));
  const where = { provider: provider.name, channel: message.channel };
  let acquired: Admission;
  try {
    acquired = await breaker.acquire(breakerConfig);
  } catch (err) {
    // Without the circuit's state no call is made: an unknown circuit may be open.
    deps.logger.error('notification dropped: circuit breaker unavailable', {
      ...where,
      error: err,
    });
    return 'failed';
  }
  if (!acquired.allowed) {
    deps.logger.warn('notification dropped: circuit open', where);
    return 'circuit_open';
  }
  let ok = true;
  try {
    await provider.send(message);
  } catch (err) {
    ok = false;
    deps.logger.error('notification failed', { ...where, error: err });
  }
  // What happened to the message does not depend on whether the outcome could be recorded. The
  // ticket lets the breaker ignore this outcome if the circuit has moved on since it was taken.
  await breaker.record(breakerConfig, acquired.ticket, ok).catch((err: unknown) => {
    deps.logger.error('circuit breaker outcome not recorded', { ...where, error: err });
  });
  return ok ? 'sent' : 'failed';
}
