/**
 * The outside world for tests: a fake of the email and SMS providers' HTTP APIs, installed as
 * Miniflare's outbound service (vitest.config.ts), so every fetch the worker makes to them
 * lands here, in Node. Our own code runs unchanged; only the network edge is replaced.
 *
 * - Recipients at `@down.test` (or SMS numbers ending in 0000) get a 503, like an outage.
 * - Requests to `libsql.test` reach a libSQL server (test/fake-libsql.ts).
 * - Calls are recorded per recipient; tests read them with
 *   fetch('http://fake-provider.test/calls?to=<address>') from inside the worker.
 */
import { fakeLibsql } from './fake-libsql.ts';
import { FAKE_LIBSQL_HOST } from './fake-libsql-env.ts';
import { fakePwned, PWNED_HOST } from './fake-pwned.ts';
import { fakeTurnstile, TURNSTILE_HOST } from './fake-turnstile.ts';
import { fakeWebhooks, WEBHOOK_RECEIVER_HOST } from './fake-webhooks.ts';
import { FEDERATION_HOSTS, fakeFederation } from './fake-oidc.ts';

type Call = {
  provider: 'resend' | 'twilio';
  to: string;
  subject?: string;
  text: string;
  status: number;
};

const calls: Call[] = [];

async function parse(request: Request): Promise<Omit<Call, 'status'> | null> {
  const url = new URL(request.url);
  if (url.hostname === 'api.resend.com' && url.pathname === '/emails') {
    const body = await request.json<{ to: string[]; subject: string; text: string }>();
    return { provider: 'resend', to: body.to[0] ?? '', subject: body.subject, text: body.text };
  }
  if (url.hostname === 'api.twilio.com' && url.pathname.endsWith('/Messages.json')) {
    const form = new URLSearchParams(await request.text());
    return { provider: 'twilio', to: form.get('To') ?? '', text: form.get('Body') ?? '' };
  }
  return null;
}

export async function fakeProviders(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.hostname === FAKE_LIBSQL_HOST) return fakeLibsql(request);
  if (url.hostname === PWNED_HOST || url.hostname.endsWith(`.${PWNED_HOST}`))
    return fakePwned(request);
  if (url.hostname === TURNSTILE_HOST || url.hostname.endsWith(`.${TURNSTILE_HOST}`))
    return fakeTurnstile(request);
  if (url.hostname === WEBHOOK_RECEIVER_HOST) return fakeWebhooks(request);
  if (FEDERATION_HOSTS.has(url.hostname)) return fakeFederation(request);
  if (url.hostname === 'fake-provider.test' && url.pathname === '/calls') {
    const to = url.searchParams.get('to');
    return Response.json(calls.filter((c) => c.to === to));
  }
  const call = await parse(request);
  if (!call) return new Response('no route to the outside world in tests', { status: 502 });
  const down = call.to.endsWith('@down.test') || call.to.endsWith('0000');
  const status = down ? 503 : 200;
  calls.push({ ...call, status });
  return Response.json(down ? { error: 'unavailable' } : { id: crypto.randomUUID() }, { status });
}
