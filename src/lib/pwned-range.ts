/**
 * The k-anonymity range API of Have I Been Pwned (and its self-hosted mirrors): the service is
 * sent the first 5 hex characters of the password's SHA-1 and answers every suffix it knows under
 * that prefix, one `SUFFIX:COUNT` line each; with `Add-Padding: true` it adds lines of count 0 so
 * that the answer's size says nothing about the prefix (https://haveibeenpwned.com/API/v3#PwnedPasswords).
 */

/** The uppercase hex SHA-1 of a password, split as the range API wants it. */
export async function sha1Parts(password: string): Promise<{ prefix: string; suffix: string }> {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(password));
  const hex = [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  return { prefix: hex.slice(0, 5), suffix: hex.slice(5) };
}

/** An answer the check cannot read: it counts as a failure of the API, never as "not breached". */
class RangeAnswerError extends Error {
  override name = 'RangeAnswerError';
}

// A real answer holds 800 to 1,000 lines of 35 + 1 + a few characters: well under this.
const MAX_ANSWER_CHARS = 256 * 1024;
const LINE = /^[0-9A-Fa-f]{35}:\d{1,10}$/;

/**
 * Whether two 35-character hex suffixes are equal, case-insensitively, in time that does not
 * depend on where they differ (OR of the XORs; `| 0x20` folds A-F onto a-f, digits unchanged).
 */
function sameSuffix(line: string, suffix: string): boolean {
  let diff = 0;
  for (let i = 0; i < 35; i++) diff |= (line.charCodeAt(i) | 0x20) ^ (suffix.charCodeAt(i) | 0x20);
  return diff === 0;
}

/**
 * Whether `suffix` is in a range answer with a count above 0 (padding lines have count 0). Every
 * line is parsed and compared, in constant time, whatever the outcome, so neither the answer's
 * parse nor the comparison stops early on the password's own suffix. A line that is not
 * `SUFFIX:COUNT` makes the whole answer unreadable (a captive portal, an HTML error page).
 */
export function isInRange(answer: string, suffix: string): boolean {
  if (answer.length > MAX_ANSWER_CHARS) throw new RangeAnswerError('range answer too large');
  if (suffix.length !== 35) throw new RangeError('a SHA-1 suffix is 35 hex characters');
  let hit = false;
  let read = 0;
  for (const raw of answer.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (!LINE.test(line)) throw new RangeAnswerError('range answer has a malformed line');
    read++;
    const counted = Number(line.slice(36)) > 0;
    hit = (sameSuffix(line, suffix) && counted) || hit;
  }
  // A padded answer is never empty; an empty 200 is an outage in disguise.
  if (read === 0) throw new RangeAnswerError('range answer is empty');
  return hit;
}

/**
 * GETs one prefix's range; throws on a network error, a timeout or a non-2xx answer. Returns the
 * body as text, still to be read by `isInRange`. `onSent` is called once the request is issued.
 */
export async function fetchRange(
  baseUrl: string,
  prefix: string,
  timeoutMs: number,
  onSent?: () => void,
) {
  const answer = fetch(`${baseUrl}${prefix}`, {
    headers: { 'Add-Padding': 'true', Accept: 'text/plain' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  onSent?.();
  const res = await answer;
  if (!res.ok) {
    await res.body?.cancel();
    throw new RangeAnswerError(`range API answered ${res.status}`);
  }
  return res.text();
}
