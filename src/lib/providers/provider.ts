/** One message to one recipient. */
export interface Message {
  channel: 'email' | 'sms';
  to: string;
  subject?: string;
  text: string;
}

/** The one interface every email/SMS provider implements: resolve when sent, throw otherwise. */
export interface Provider {
  /** Names the circuit, e.g. `email:resend`. */
  name: string;
  send(message: Message): Promise<void>;
}

/** Outside providers get this long before a call counts as failed. */
const PROVIDER_TIMEOUT_MS = 5_000;

export class ProviderError extends Error {
  override name = 'ProviderError';
}

/** POSTs to a provider and throws on a network error, a timeout or a non-2xx answer. */
export async function post(url: string, init: { headers: Record<string, string>; body: string }) {
  const res = await fetch(url, {
    method: 'POST',
    ...init,
    signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
  });
  if (!res.ok) throw new ProviderError(`provider answered ${res.status}`);
  await res.body?.cancel();
}
