/**
 * Cloudflare Turnstile's server-side check (siteverify,
 * https://developers.cloudflare.com/turnstile/get-started/server-side-validation/): the token a
 * widget gave the browser, our secret, the caller's IP and an idempotency key, which lets a
 * verification lost on the network be asked again without the token counting as used.
 */

/** Tokens are at most 2,048 characters (Cloudflare's documentation). */
export const TURNSTILE_TOKEN_MAX = 2048;

/** How long one siteverify attempt may take before it counts as failed. */
const ATTEMPT_TIMEOUT_MS = 3_000;

export interface Verdict {
  success: boolean;
  errorCodes: string[];
}

class SiteverifyError extends Error {
  override name = 'SiteverifyError';
}

async function attempt(url: string, body: URLSearchParams): Promise<Verdict> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
    signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
  });
  if (!res.ok) {
    await res.body?.cancel();
    throw new SiteverifyError(`siteverify answered ${res.status}`);
  }
  let parsed: unknown;
  try {
    parsed = await res.json();
  } catch {
    throw new SiteverifyError('siteverify answered something other than JSON');
  }
  const answer = parsed as { success?: unknown; 'error-codes'?: unknown };
  if (typeof answer?.success !== 'boolean') {
    throw new SiteverifyError('siteverify answered without a success flag');
  }
  const codes = Array.isArray(answer['error-codes']) ? answer['error-codes'] : [];
  return { success: answer.success, errorCodes: codes.filter((c) => typeof c === 'string') };
}

/**
 * Asks siteverify about `token`; throws when it cannot answer (network, timeout, non-2xx, not
 * its JSON), never guesses. A first attempt lost to the network or a 5xx is retried once with
 * the same idempotency key, so the retry cannot be refused as a reused token.
 */
export async function siteverify(
  url: string,
  input: { secret: string; token: string; remoteIp: string | null; idempotencyKey: string },
): Promise<Verdict> {
  const body = () => {
    const form = new URLSearchParams({
      secret: input.secret,
      response: input.token,
      idempotency_key: input.idempotencyKey,
    });
    if (input.remoteIp) form.set('remoteip', input.remoteIp);
    return form;
  };
  try {
    return await attempt(url, body());
  } catch {
    return attempt(url, body());
  }
}
