/** @jsxImportSource hono/jsx */
// Cloudflare Turnstile on the hosted pages (docs/abuse-defenses.md): the widget in the forms of
// the routes behind the bot check, and the only third-party script and frame a page may load.
import { createContext, useContext, type FC } from 'hono/jsx';
import type { ReadyConfig } from '../../config';
import { z } from '@hono/zod-openapi';
import { TURNSTILE_FIELD } from '../../http/turnstile';
import { TURNSTILE_TOKEN_MAX } from '../../lib/turnstile';

/** Where Turnstile's script and iframe come from; Cloudflare forbids serving api.js ourselves. */
export const TURNSTILE_ORIGIN = 'https://challenges.cloudflare.com';

/** The pages whose forms carry the widget; only their CSP lets Turnstile in. */
const WIDGET_PATHS = new Set(['/login', '/register', '/forgot-password']);

/** The site key to render, or '' when the bot check is off (no TURNSTILE_SECRET). */
export const siteKeyOf = (config: Pick<ReadyConfig, 'TURNSTILE_SECRET' | 'TURNSTILE_SITE_KEY'>) =>
  config.TURNSTILE_SECRET ? config.TURNSTILE_SITE_KEY : '';

/** Whether the page at `path` renders the widget under `config`. */
export const widgetOn = (
  config: Pick<ReadyConfig, 'TURNSTILE_SECRET' | 'TURNSTILE_SITE_KEY'>,
  path: string,
) => Boolean(siteKeyOf(config)) && WIDGET_PATHS.has(path);

/** The site key of the page being rendered (provided by `html`, pages.shared.tsx). */
export const SiteKeyContext = createContext('');

/** The widget's form field, as the page forms read it. */
export const TurnstileFormField = {
  [TURNSTILE_FIELD]: z.string().max(TURNSTILE_TOKEN_MAX).optional(),
};

/**
 * The widget (implicit rendering: api.js fills every .cf-turnstile element and adds the hidden
 * `cf-turnstile-response` field to its form). Nothing when the bot check is off.
 */
export const BotCheck: FC<{ nonce?: string }> = ({ nonce }) => {
  const siteKey = useContext(SiteKeyContext);
  if (!siteKey) return null;
  return (
    <>
      <div class="cf-turnstile" data-sitekey={siteKey}></div>
      <script nonce={nonce} src={`${TURNSTILE_ORIGIN}/turnstile/v0/api.js`} async defer></script>
    </>
  );
};
