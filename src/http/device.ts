import type { Context } from 'hono';
import type { Device } from '../durable-objects/session-store/logic';

/**
 * The client's address comes only from CF-Connecting-IP, which Cloudflare sets and clients cannot
 * forge through the edge (security.md: never X-Forwarded-For).
 */
export const clientIp = (c: Context) => c.req.header('CF-Connecting-IP') ?? null;

/** Device data recorded with a session; country from `request.cf` when Cloudflare provides it. */
export function deviceOf(c: Context): Device {
  const cf = (c.req.raw as Request & { cf?: { country?: unknown } }).cf;
  return {
    ip: clientIp(c),
    userAgent: c.req.header('User-Agent')?.slice(0, 512) ?? null,
    country: typeof cf?.country === 'string' ? cf.country : null,
  };
}
