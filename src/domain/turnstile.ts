import { ApiError } from '../lib/errors';
import { siteverify } from '../lib/turnstile';
import type { Deps } from './deps';
import { throughBreaker } from './outbound';

export type TurnstileDeps = Pick<
  Deps,
  'config' | 'breakers' | 'defer' | 'logger' | 'origin' | 'admitted'
>;

const refused = () => new ApiError('CAPTCHA_FAILED');

/**
 * The bot check of sign-up and sign-in (api.md "Abuse defenses"): with TURNSTILE_SECRET set, a
 * missing or refused token is 403 CAPTCHA_FAILED, and a verify endpoint that cannot answer is
 * 503 DEPENDENCY_UNAVAILABLE: never a silent pass. Runs before the route's own work (a bot spends
 * no hash, lockout slot or email), beside the per-IP verdict.
 */
export async function assertHuman(deps: TurnstileDeps, token: string | undefined): Promise<void> {
  const secret = deps.config.TURNSTILE_SECRET;
  if (!secret) return;
  if (!token) throw refused();
  const url = deps.config.TURNSTILE_VERIFY_URL;
  const [outcome] = await Promise.all([
    throughBreaker(deps, `turnstile:${new URL(url).host}`, () =>
      siteverify(url, {
        secret,
        token,
        remoteIp: deps.origin.ip,
        idempotencyKey: crypto.randomUUID(),
      }),
    ),
    deps.admitted(),
  ]);
  if (!outcome.ok) {
    deps.logger.error('turnstile verification unavailable', {
      reason: outcome.reason,
      error: outcome.error,
    });
    throw new ApiError(
      'DEPENDENCY_UNAVAILABLE',
      'The bot check is unavailable: try again shortly',
      {
        headers: { 'Retry-After': String(outcome.retryAfter) },
        cause: outcome.error,
      },
    );
  }
  if (!outcome.value.success) {
    deps.logger.warn('turnstile token refused', { error_codes: outcome.value.errorCodes });
    throw refused();
  }
}
