import type { Context } from 'hono';
import { issueOneTimeToken, supersedeOneTimeTokens } from '../db/queries/tokens';
import type { TokenPurpose } from '../db/schema';
import type { AppEnv } from '../http/app-env';
import { randomToken, sha256 } from './crypto';
import { limiterFor } from './limiter';
import { notify } from './notifier';

/** Tokens this service emails itself (an admin grant is handed over by the operator). */
type EmailedPurpose = Exclude<TokenPurpose, 'admin_grant'>;

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

/**
 * Issues a single-use token for `purpose` and emails its link. Runs in waitUntil, after the
 * response: it never throws, and a per-account limit caps how many emails one account triggers
 * (they cost money and can be used to flood an inbox).
 */
export async function sendTokenEmail(
  c: Context<AppEnv>,
  user: { id: string; email: string },
  purpose: EmailedPurpose,
): Promise<void> {
  const { config, db, logger } = c.var;
  try {
    const decision = await limiterFor(c, `notify:${purpose}:${user.id}`).hit(
      config.NOTIFY_LIMIT_PER_ACCOUNT,
    );
    if (!decision.allowed) {
      logger.warn('email not sent: per-account limit', { user_id: user.id, purpose });
      return;
    }
    const token = randomToken(32);
    const tokenHash = await sha256(token);
    const ttlSeconds =
      purpose === 'password_reset'
        ? config.RESET_TOKEN_TTL_SECONDS
        : config.VERIFY_TOKEN_TTL_SECONDS;
    await issueOneTimeToken(db, {
      userId: user.id,
      purpose,
      tokenHash,
      ttlMs: ttlSeconds * 1000,
      now: new Date(),
    });
    const copy = COPY[purpose];
    const link = new URL(copy.path, config.APP_URL);
    link.searchParams.set('token', token);
    const delivery = await notify(
      { config, db, breakers: c.env.BREAKERS, logger },
      {
        channel: 'email',
        to: user.email,
        subject: copy.subject,
        text: copy.text(link.toString(), ttlSeconds / 60),
      },
    );
    if (delivery === 'sent') await supersedeOneTimeTokens(db, user.id, purpose, tokenHash);
  } catch (err) {
    logger.error('token email failed', { user_id: user.id, purpose, error: err });
  }
}

/** Schedules `sendTokenEmail` off the response path. */
export const scheduleTokenEmail = (
  c: Context<AppEnv>,
  user: { id: string; email: string },
  purpose: EmailedPurpose,
) => c.executionCtx.waitUntil(sendTokenEmail(c, user, purpose));
