import { insertOutboxMessage, listOutbox } from '../db/queries/outbox';
import { issueOneTimeToken, supersedeOneTimeTokens } from '../db/queries/one-time-tokens';
import type { Db } from '../db/client';
import type { TokenPurpose } from '../db/schema';
import type { Admission } from '../durable-objects/circuit-breaker/object';
import { randomToken, sha256 } from '../lib/crypto';
import type { Deps } from './deps';
import { limiterFor } from './limits';
import type { Message, Provider } from '../lib/providers/provider';
import { resendProvider } from '../lib/providers/resend';
import { twilioProvider } from '../lib/providers/twilio';

export type { Message };

export type NotifierDeps = Pick<Deps, 'config' | 'db' | 'breakers' | 'logger'>;

export type Delivery = 'sent' | 'circuit_open' | 'failed';

/** Development provider: keeps each message for GET /dev/outbox instead of sending it. */
const outboxProvider = (db: Db, channel: 'email' | 'sms'): Provider => ({
  name: `${channel}:outbox`,
  send: (message) => insertOutboxMessage(db, message, new Date()),
});

/** The configured provider for a channel. */
function providerFor(deps: NotifierDeps, channel: Message['channel']): Provider {
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

/** Tokens this service emails itself (an admin grant is handed over by the operator). */
export type EmailedPurpose = Exclude<TokenPurpose, 'admin_grant'>;

const COPY: Record<
  EmailedPurpose,
  { subject: string; path: string; text: (link: string, minutes: number) => string }
> = {
  password_reset: {
    subject: 'Reset your password',
    path: '/reset-password',
    text: (link, minutes) =>
      `Someone asked to reset the password of this account. If it was you, open this link within ${minutes} minutes:\n\n${link}\n\nIf it was not you, ignore this email: your password has not changed.`,
  },
  email_verification: {
    subject: 'Confirm your email address',
    path: '/verify-email',
    text: (link, minutes) =>
      `Confirm this email address by opening this link within ${minutes / 60} hours:\n\n${link}`,
  },
};

type TokenEmailDeps = NotifierDeps & Pick<Deps, 'limiters' | 'now'>;

/** A link's single-use secret, and what is stored of it. */
export interface EmailToken {
  purpose: EmailedPurpose;
  token: string;
  tokenHash: string;
  ttlSeconds: number;
}

/** A new single-use token for `purpose` (its row is stored by the caller). */
export async function newEmailToken(
  deps: Pick<Deps, 'config'>,
  purpose: EmailedPurpose,
): Promise<EmailToken> {
  const token = randomToken(32);
  const ttlSeconds =
    purpose === 'password_reset'
      ? deps.config.RESET_TOKEN_TTL_SECONDS
      : deps.config.VERIFY_TOKEN_TTL_SECONDS;
  return { purpose, token, tokenHash: await sha256(token), ttlSeconds };
}

/** Emails the link of a stored token. */
function deliverTokenEmail(deps: NotifierDeps, to: string, t: EmailToken): Promise<Delivery> {
  const copy = COPY[t.purpose];
  const link = new URL(copy.path, deps.config.APP_URL);
  link.searchParams.set('token', t.token);
  return notify(deps, {
    channel: 'email',
    to,
    subject: copy.subject,
    text: copy.text(link.toString(), t.ttlSeconds / 60),
  });
}

/**
 * Issues a single-use token for `purpose` and emails its link. Runs after the response: it
 * never throws, and a per-account limit caps how many emails one account triggers (they cost
 * money and can be used to flood an inbox). Older links die only once the new one was sent.
 */
export async function sendTokenEmail(
  deps: TokenEmailDeps,
  user: { id: string; email: string; createdAt?: Date },
  purpose: EmailedPurpose,
): Promise<void> {
  const { config, db, logger } = deps;
  try {
    // The sign-up link was sent as the account was created, before it had a limiter
    // (scheduleFirstTokenEmail): it counts toward the verification emails' limit.
    const earlier = purpose === 'email_verification' && user.createdAt ? [+user.createdAt] : [];
    const decision = await limiterFor(deps, `notify:${purpose}:${user.id}`).hit(
      config.NOTIFY_LIMIT_PER_ACCOUNT,
      deps.now(),
      earlier,
    );
    if (!decision.allowed) {
      logger.warn('email not sent: per-account limit', { user_id: user.id, purpose });
      return;
    }
    const t = await newEmailToken(deps, purpose);
    await issueOneTimeToken(db, {
      userId: user.id,
      purpose,
      tokenHash: t.tokenHash,
      ttlMs: t.ttlSeconds * 1000,
      now: new Date(deps.now()),
    });
    const delivery = await deliverTokenEmail(deps, user.email, t);
    if (delivery === 'sent') await supersedeOneTimeTokens(db, user.id, purpose, t.tokenHash);
  } catch (err) {
    logger.error('token email failed', { user_id: user.id, purpose, error: err });
  }
}

/** Sends a token email after the answer (`defer`), off the response path. */
export const scheduleTokenEmail = (
  deps: TokenEmailDeps & Pick<Deps, 'defer'>,
  user: { id: string; email: string; createdAt?: Date },
  purpose: EmailedPurpose,
) => deps.defer(sendTokenEmail(deps, user, purpose));

/**
 * A new account's first verification link, whose token was stored with the account (one
 * batch), emailed after the answer. No limiter is asked: the account did not exist before this
 * request, so it cannot be over its limit, and asking would start a limiter object for every
 * sign-up. The first resend counts this email in (sendTokenEmail, from the account's creation).
 */
export const scheduleFirstTokenEmail = (
  deps: NotifierDeps & Pick<Deps, 'defer'>,
  user: { id: string; email: string },
  t: EmailToken,
) =>
  deps.defer(
    deliverTokenEmail(deps, user.email, t).catch((err: unknown) =>
      deps.logger.error('token email failed', {
        user_id: user.id,
        purpose: t.purpose,
        error: err,
      }),
    ),
  );

/** What the development notifier kept for an address, newest first (GET /dev/outbox). */
export const outboxFor = (deps: Pick<Deps, 'db'>, to: string, limit: number) =>
  listOutbox(deps.db, to, limit);

const INVITATION_SUBJECT = 'You are invited to join an organization';

/**
 * Emails an invitation link. Runs after the answer and never throws; a per-address limit caps
 * how many invitations one inbox receives (an invitation names the organization, so it could be
 * used to flood or phish an address).
 */
export async function sendInvitationEmail(
  deps: NotifierDeps & Pick<Deps, 'limiters'>,
  invitation: { to: string; organization: string; token: string; ttlMs: number },
): Promise<void> {
  const { config, logger } = deps;
  try {
    const decision = await limiterFor(deps, `notify:invitation:${invitation.to}`).hit(
      config.NOTIFY_LIMIT_PER_ACCOUNT,
    );
    if (!decision.allowed) {
      logger.warn('invitation not sent: per-address limit');
      return;
    }
    const link = new URL('/accept-invitation', config.APP_URL);
    link.searchParams.set('token', invitation.token);
    const days = Math.round(invitation.ttlMs / 86_400_000);
    await notify(deps, {
      channel: 'email',
      to: invitation.to,
      // The name is the inviter's text: kept out of the subject, where it would read as ours,
      // and quoted as a JSON string in the body so it cannot pose as a line of our own.
      subject: INVITATION_SUBJECT,
      text: `You have been invited to join the organization ${JSON.stringify(invitation.organization)}. To accept, sign in with an account on this email address (create one if you have none), confirm the address, and open this link within ${days} days:\n\n${link.toString()}\n\nIf you did not expect this invitation, ignore this email.`,
    });
  } catch (err) {
    logger.error('invitation email failed', { error: err });
  }
}
