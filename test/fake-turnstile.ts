/**
 * A fake of Cloudflare Turnstile's siteverify endpoint (POST, form-encoded `secret`, `response`,
 * `remoteip`, `idempotency_key`; JSON `{success, "error-codes"}`), reached through
 * test/fake-provider.ts. It answers like the real endpoint does for the test secrets Cloudflare
 * publishes (https://developers.cloudflare.com/turnstile/troubleshooting/testing/): PASS_SECRET
 * accepts any token, FAIL_SECRET refuses every one. The host's first word says how it behaves:
 *
 * - `turnstile.test` (and any other word): as above;
 * - `down.turnstile.test`: 503; `garbage.turnstile.test`: an HTML page with status 200;
 * - `flaky.turnstile.test`: 503 to the first request of each idempotency key, then as above.
 * - `GET https://turnstile.test/calls?host=<host>` lists the form fields each host received.
 *
 * No node: imports: the test files import the constants below into workerd.
 */

export const TURNSTILE_HOST = 'turnstile.test';
/** Cloudflare's published test secrets: always passes, always fails. */
export const PASS_SECRET = '1x0000000000000000000000000000000AA';
export const FAIL_SECRET = '2x0000000000000000000000000000000AA';
/** Cloudflare's published always-passing site key, for the pages' widget. */
export const PASS_SITE_KEY = '1x00000000000000000000AA';

type VerifyCall = { host: string; fields: Record<string, string> };
const calls: VerifyCall[] = [];
const seenKeys = new Set<string>();

export async function fakeTurnstile(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.hostname === TURNSTILE_HOST && url.pathname === '/calls') {
    return Response.json(calls.filter((c) => c.host === url.searchParams.get('host')));
  }
  if (request.method !== 'POST' || url.pathname !== '/siteverify') {
    return new Response('Not found', { status: 404 });
  }
  const fields = Object.fromEntries(new URLSearchParams(await request.text()));
  calls.push({ host: url.hostname, fields });
  const kind = url.hostname.split(/[.-]/)[0];
  if (kind === 'down') return new Response('upstream unavailable', { status: 503 });
  if (kind === 'garbage') return new Response('<html>Just a moment...</html>', { status: 200 });
  const key = fields.idempotency_key ?? '';
  if (kind === 'flaky' && !seenKeys.has(key)) {
    seenKeys.add(key);
    return new Response('try again', { status: 502 });
  }
  if (!fields.secret)
    return Response.json({ success: false, 'error-codes': ['missing-input-secret'] });
  if (!fields.response) {
    return Response.json({ success: false, 'error-codes': ['missing-input-response'] });
  }
  const success = fields.secret === PASS_SECRET;
  return Response.json({
    success,
    'error-codes': success ? [] : ['invalid-input-response'],
    ...(success && { challenge_ts: new Date().toISOString(), hostname: 'example.com' }),
  });
}
