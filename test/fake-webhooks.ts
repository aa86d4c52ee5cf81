/**
 * A webhook receiver at the network edge (Node, inside the vitest process), reached through
 * fake-provider.ts like every outbound fetch of the worker. Each receiver is a path under
 * https://hooks.receiver.test/; it verifies every delivery with standardwebhooks' own
 * Webhook.verify against the secrets a test gave it, and answers as scripted:
 *
 * - POST /_control/<rid> {secrets?, script?}: the secrets to verify with, and the answers to the
 *   next deliveries in order ('200', '500', '410', '302', 'hang' (answers after 3 s, past the
 *   worker's timeout), 'reset' (the connection fails)); then 200.
 * - GET /_calls/<rid>: every request it got, with which secrets verified it.
 */
import { Webhook } from 'standardwebhooks';

export const WEBHOOK_RECEIVER_HOST = 'hooks.receiver.test';

export interface ReceivedCall {
  path: string;
  id: string | null;
  timestamp: string | null;
  signature: string | null;
  body: string;
  /** The index of each registered secret whose signature verified (Webhook.verify). */
  verified: number[];
  answer: string;
}

interface Receiver {
  secrets: string[];
  script: string[];
  calls: ReceivedCall[];
}

const receivers = new Map<string, Receiver>();
const receiver = (rid: string) => {
  let r = receivers.get(rid);
  if (!r) receivers.set(rid, (r = { secrets: [], script: [], calls: [] }));
  return r;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function verifiedBy(secrets: string[], body: string, headers: Headers) {
  const h = {
    'webhook-id': headers.get('webhook-id') ?? '',
    'webhook-timestamp': headers.get('webhook-timestamp') ?? '',
    'webhook-signature': headers.get('webhook-signature') ?? '',
  };
  return secrets.flatMap((secret, i) => {
    try {
      new Webhook(secret).verify(body, h);
      return [i];
    } catch {
      return [];
    }
  });
}

export async function fakeWebhooks(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const [, first = '', second = ''] = url.pathname.split('/');
  if (first === '_control') {
    const set = await request.json<{ secrets?: string[]; script?: string[] }>();
    const r = receiver(second);
    if (set.secrets) r.secrets = set.secrets;
    if (set.script) r.script = [...set.script];
    return Response.json({ ok: true });
  }
  if (first === '_calls') return Response.json(receiver(second).calls);
  const r = receiver(first);
  const body = await request.text();
  const answer = r.script.shift() ?? '200';
  r.calls.push({
    path: url.pathname,
    id: request.headers.get('webhook-id'),
    timestamp: request.headers.get('webhook-timestamp'),
    signature: request.headers.get('webhook-signature'),
    body,
    verified: verifiedBy(r.secrets, body, request.headers),
    answer,
  });
  if (answer === 'reset') throw new Error('ECONNRESET: the receiver reset the connection');
  if (answer === 'hang') await sleep(3_000);
  if (answer === '302') {
    return new Response(null, {
      status: 302,
      headers: { location: `https://${WEBHOOK_RECEIVER_HOST}/${first}/redirected` },
    });
  }
  const status = answer === 'hang' ? 200 : Number(answer);
  return new Response(status < 300 ? 'ok' : 'no', { status });
}
