/**
 * A fake of Have I Been Pwned's k-anonymity range API (GET /range/{5 hex}), answering in its
 * documented format (https://haveibeenpwned.com/API/v3#SearchingPwnedPasswordsByRange): CRLF
 * lines of `SUFFIX:COUNT`, uppercase, and with `Add-Padding: true` extra lines of count 0.
 * Reached through test/fake-provider.ts; the host says how it behaves:
 *
 * - `pwned.test`: knows BREACHED (count > 0) and PADDED_ONLY (only on a padding line, count 0);
 * - `slow.pwned.test`: answers after 3 s; `down.pwned.test`: 503; `garbage.pwned.test`: an HTML
 *   page with status 200; `empty.pwned.test`: an empty 200. Any other `*.pwned.test` is like
 *   `pwned.test`. Only the first word counts (`down-circuit.pwned.test` is down): tests take a
 *   host of their own for a circuit and cache of their own.
 * - `GET https://pwned.test/calls?host=<host>` lists the requests a host received.
 *
 * No node: imports: the test files import the constants below into workerd.
 */

/** Passwords the fake reports as breached; each passes the password policy. */
export const BREACHED = ['Breached-Otter-77', 'Leaked-Heron-2019'];
/** A password whose suffix the fake sends only on a padding line (count 0): not a hit. */
export const PADDED_ONLY = 'Padded-Lynx-4410';

export const PWNED_HOST = 'pwned.test';

type RangeCall = { host: string; path: string; padding: string | null };
const calls: RangeCall[] = [];

async function sha1Hex(text: string) {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

/** Suffixes of the range of `prefix` that are not ours: real answers hold hundreds. */
function filler(prefix: string, n: number): string[] {
  const seed = parseInt(prefix, 16);
  return Array.from({ length: n }, (_, i) =>
    ((seed + 1) * (i + 7919) * 2654435761).toString(16).toUpperCase().padStart(35, '0').slice(-35),
  );
}

async function range(prefix: string, padding: boolean): Promise<string> {
  const lines = filler(prefix, 40).map((s, i) => `${s}:${(i % 9) + 1}`);
  for (const password of BREACHED) {
    const hex = await sha1Hex(password);
    if (hex.startsWith(prefix)) lines.push(`${hex.slice(5)}:52013`);
  }
  if (padding) {
    lines.push(...filler(`${prefix}0`, 25).map((s) => `${s}:0`));
    const hex = await sha1Hex(PADDED_ONLY);
    if (hex.startsWith(prefix)) lines.push(`${hex.slice(5)}:0`);
  }
  return lines.sort().join('\r\n');
}

export async function fakePwned(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.hostname === PWNED_HOST && url.pathname === '/calls') {
    return Response.json(calls.filter((c) => c.host === url.searchParams.get('host')));
  }
  const match = /^\/range\/([0-9A-F]{5})$/.exec(url.pathname);
  if (!match) return new Response('Not found', { status: 404 });
  calls.push({
    host: url.hostname,
    path: url.pathname,
    padding: request.headers.get('Add-Padding'),
  });
  const host = url.hostname.split(/[.-]/)[0];
  if (host === 'slow') await new Promise((resolve) => setTimeout(resolve, 3_000));
  if (host === 'down') return new Response('upstream unavailable', { status: 503 });
  if (host === 'garbage') {
    return new Response('<html><body>Sign in to the Wi-Fi</body></html>', {
      headers: { 'Content-Type': 'text/html' },
    });
  }
  if (host === 'empty') return new Response('');
  const body = await range(match[1]!, request.headers.get('Add-Padding') === 'true');
  return new Response(body, { headers: { 'Content-Type': 'text/plain' } });
}
