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
const SUFFIX_LENGTH = 35;
// A line is SUFFIX:COUNT, the count at most 10 digits.
const MAX_LINE = SUFFIX_LENGTH + 1 + 10;
const [CR, TAB, SPACE, COLON, ZERO, NINE] = [13, 9, 32, 58, 48, 57];

const isBlank = (c: number) => c === SPACE || c === CR || c === TAB;
const isDigit = (c: number) => c >= ZERO && c <= NINE;
// `| 0x20` folds A-F onto a-f and leaves digits as they are.
const isHex = (c: number) => isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);

/**
 * The line `answer[start, end)` read as `SUFFIX:COUNT`: 1 when its count is above 0, 0 for a
 * padding line (count 0), -1 when it is not such a line.
 */
function lineCount(answer: string, start: number, end: number): -1 | 0 | 1 {
  if (end - start <= SUFFIX_LENGTH + 1 || end - start > MAX_LINE) return -1;
  for (let i = start; i < start + SUFFIX_LENGTH; i++) if (!isHex(answer.charCodeAt(i))) return -1;
  if (answer.charCodeAt(start + SUFFIX_LENGTH) !== COLON) return -1;
  let counted: 0 | 1 = 0;
  for (let i = start + SUFFIX_LENGTH + 1; i < end; i++) {
    const c = answer.charCodeAt(i);
    if (!isDigit(c)) return -1;
    if (c !== ZERO) counted = 1;
  }
  return counted;
}

/**
 * Whether the line at `start` begins with `suffix`, case-insensitively, in time that does not
 * depend on where they differ (OR of the XORs).
 */
function sameSuffix(answer: string, start: number, suffix: string): boolean {
  let diff = 0;
  for (let i = 0; i < SUFFIX_LENGTH; i++)
    diff |= (answer.charCodeAt(start + i) | 0x20) ^ (suffix.charCodeAt(i) | 0x20);
  return diff === 0;
}

/**
 * Whether `suffix` is in a range answer with a count above 0 (padding lines have count 0). Every
 * line is parsed and compared, in constant time, whatever the outcome, so neither the answer's
 * parse nor the comparison stops early on the password's own suffix. A line that is not
 * `SUFFIX:COUNT` makes the whole answer unreadable (a captive portal, an HTML error page).
 * Read in place, by character codes: no line is copied out of the answer (it runs on every
 * sign-up, after the hash, so on the sign-up's critical path).
 */
export function isInRange(answer: string, suffix: string): boolean {
  if (answer.length > MAX_ANSWER_CHARS) throw new RangeAnswerError('range answer too large');
  if (suffix.length !== SUFFIX_LENGTH) throw new RangeError('a SHA-1 suffix is 35 hex characters');
  let hit = false;
  let read = 0;
  for (let next = 0; next < answer.length;) {
    let start = next;
    let end = answer.indexOf('\n', start);
    if (end === -1) end = answer.length;
    next = end + 1;
    while (start < end && isBlank(answer.charCodeAt(start))) start++;
    while (end > start && isBlank(answer.charCodeAt(end - 1))) end--;
    if (start === end) continue;
    const count = lineCount(answer, start, end);
    if (count < 0) throw new RangeAnswerError('range answer has a malformed line');
    read++;
    hit = (sameSuffix(answer, start, suffix) && count > 0) || hit;
  }
  // A padded answer is never empty; an empty 200 is an outage in disguise.
  if (read === 0) throw new RangeAnswerError('range answer is empty');
  return hit;
}

/**
 * GETs one prefix's range; throws on a network error, a timeout or a non-2xx answer. Returns the
 * body as text, still to be read by `isInRange`. `onSent` is called once the request is issued.
 * The timeout covers the body too, and is cleared once it is read: a timer left to fire after
 * the answer (AbortSignal.timeout's) would wake the isolate once more per sign-up for nothing.
 */
export async function fetchRange(
  baseUrl: string,
  prefix: string,
  timeoutMs: number,
  onSent?: () => void,
) {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('range API timed out', 'TimeoutError')),
    timeoutMs,
  );
  try {
    const answer = fetch(`${baseUrl}${prefix}`, {
      headers: { 'Add-Padding': 'true', Accept: 'text/plain' },
      signal: controller.signal,
    });
    onSent?.();
    const res = await answer;
    if (!res.ok) {
      await res.body?.cancel();
      throw new RangeAnswerError(`range API answered ${res.status}`);
    }
    return await res.text();
  } finally {
    clearTimeout(timer);
  }
}
