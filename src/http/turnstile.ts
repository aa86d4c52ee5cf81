import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { TURNSTILE_TOKEN_MAX } from '../lib/turnstile';

/** The widget's token, under the name the widget gives its hidden form field. */
export const TURNSTILE_FIELD = 'cf-turnstile-response';

/** The optional body field of the routes behind the bot check. */
export const TurnstileField = z.string().max(TURNSTILE_TOKEN_MAX).optional().openapi({
  description:
    'Cloudflare Turnstile token, required when the deployment sets TURNSTILE_SECRET (or send it as the CF-Turnstile-Response header); missing or refused: 403 CAPTCHA_FAILED',
});

/** The token of a request: the body field, else the CF-Turnstile-Response header. */
export const turnstileToken = (c: Context, body: { [TURNSTILE_FIELD]?: string }) =>
  body[TURNSTILE_FIELD] ?? c.req.header('CF-Turnstile-Response');
