import { z, type RefinementCtx } from 'zod';
import { intVar } from './env-vars';
import { notPublicUrl } from './public-url';

/** The vars of the abuse defenses (docs/abuse-defenses.md), spread into config's VarsSchema. */
export const abuseVars = {
  /**
   * New passwords checked against breached ones: `fail-open` lets a password through when the
   * range API cannot answer (logged, counted in /metrics), `fail-closed` answers 503 instead.
   */
  BREACHED_PASSWORDS: z.enum(['off', 'fail-open', 'fail-closed']).default('fail-open'),
  /** The k-anonymity range API's base URL; the 5-character SHA-1 prefix is appended. */
  BREACHED_PASSWORDS_URL: z.url().default('https://api.pwnedpasswords.com/range/'),
  /** How long the range API gets before the check counts as failed (it runs beside the hash). */
  BREACHED_PASSWORDS_TIMEOUT_MS: intVar(50, 10_000, 1500),
  /** Cloudflare Turnstile's public site key, for the hosted pages' widget (with TURNSTILE_SECRET). */
  TURNSTILE_SITE_KEY: z.string().trim().default(''),
  TURNSTILE_VERIFY_URL: z
    .url()
    .default('https://challenges.cloudflare.com/turnstile/v0/siteverify'),
};

/**
 * security.md "Outbound URLs": https only outside development. The range API sees password hash
 * prefixes and the verify endpoint our Turnstile secret: neither travels in clear.
 */
export function checkOutbound(
  v: { BREACHED_PASSWORDS_URL: string; TURNSTILE_VERIFY_URL: string },
  ctx: RefinementCtx,
  development: boolean,
) {
  if (development) return;
  for (const key of ['BREACHED_PASSWORDS_URL', 'TURNSTILE_VERIFY_URL'] as const) {
    const problem = notPublicUrl(v[key]);
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
  }
}

/**
 * The hosted pages can only send a token if they can render the widget: a secret without the
 * site key would refuse every sign-in on them. Refused at start-up instead.
 */
export const turnstileProblems = (
  vars: { TURNSTILE_SITE_KEY: string },
  secrets: { TURNSTILE_SECRET?: string | undefined },
): string[] =>
  secrets.TURNSTILE_SECRET && !vars.TURNSTILE_SITE_KEY
    ? ['TURNSTILE_SITE_KEY: required with TURNSTILE_SECRET (the hosted pages render the widget)']
    : [];
