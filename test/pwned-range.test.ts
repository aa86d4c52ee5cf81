import { describe, expect, it } from 'vitest';
import { isInRange } from '../src/lib/pwned-range';

// The range answer's reader (issue 29), alone: it reads ~900 lines in place on every sign-up, so
// its edges are pinned here; test/breached-passwords.test.ts drives it through the API.

const SUFFIX = '0018A45C4D1DEF81644B54AB7F969B88D65';
const other = (i: number) => i.toString(16).toUpperCase().padStart(35, 'F');

describe('isInRange', () => {
  it('finds a counted suffix, whatever the case, on CRLF or LF lines', () => {
    const lines = [`${other(1)}:3`, `${SUFFIX}:52013`, `${other(2)}:0`];
    expect(isInRange(lines.join('\r\n'), SUFFIX)).toBe(true);
    expect(isInRange(lines.join('\n'), SUFFIX.toLowerCase())).toBe(true);
    expect(isInRange(lines.join('\r\n').toLowerCase(), SUFFIX)).toBe(true);
  });

  it('does not count a padding line (count 0, however written) as a hit', () => {
    expect(isInRange(`${other(1)}:3\r\n${SUFFIX}:0`, SUFFIX)).toBe(false);
    expect(isInRange(`${SUFFIX}:000\r\n${other(1)}:3`, SUFFIX)).toBe(false);
    expect(isInRange(`${other(1)}:3`, SUFFIX)).toBe(false);
  });

  it('reads past blank lines and blanks around a line, and a count of 10 digits', () => {
    expect(isInRange(`\r\n  ${SUFFIX}:4294967295\t\r\n\r\n${other(3)}:1\r\n`, SUFFIX)).toBe(true);
  });

  it('refuses an answer with any line that is not SUFFIX:COUNT', () => {
    const bad = [
      `${SUFFIX.slice(1)}:1`, // 34 characters
      `${SUFFIX}0:1`, // 36
      `${SUFFIX.slice(0, 34)}G:1`, // not hex
      `${SUFFIX};1`,
      `${SUFFIX}:`,
      `${SUFFIX}:12345678901`, // 11 digits
      `${SUFFIX}:1x`,
      `${SUFFIX}:-1`,
      '<html><body>Sign in to the Wi-Fi</body></html>',
    ];
    for (const line of bad)
      expect(() => isInRange(`${other(1)}:2\r\n${line}`, SUFFIX), line).toThrow(/malformed/);
  });

  it('refuses an empty answer and one too large to be a range', () => {
    expect(() => isInRange('', SUFFIX)).toThrow(/empty/);
    expect(() => isInRange('\r\n \r\n', SUFFIX)).toThrow(/empty/);
    const huge = Array.from({ length: 7000 }, (_, i) => `${other(i)}:1`).join('\r\n');
    expect(() => isInRange(huge, SUFFIX)).toThrow(/too large/);
  });
});
