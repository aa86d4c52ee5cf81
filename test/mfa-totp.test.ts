import { describe, expect, it } from 'vitest';
import { matchTotp } from '../src/domain/factors/totp';
import { hotp } from './helpers-mfa';

// RFC 6238 Appendix B, SHA-1 (secret "12345678901234567890", 8 digits): time (s) → code.
const RFC6238_SHA1: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];
const RFC_SECRET = new TextEncoder().encode('12345678901234567890');

describe('TOTP codes', () => {
  it('the test’s own HMAC-SHA1 implementation passes RFC 6238 Appendix B', async () => {
    for (const [t, code] of RFC6238_SHA1)
      expect(await hotp(RFC_SECRET, Math.floor(t / 30), 8)).toBe(code);
  });

  it('the server’s verifier accepts the RFC 6238 vectors at their pinned time, and the 6-digit forms', () => {
    for (const [t, code] of RFC6238_SHA1) {
      const step = Math.floor(t / 30);
      expect(matchTotp(RFC_SECRET, code, t * 1000, 8), String(t)).toBe(step);
      expect(matchTotp(RFC_SECRET, code.slice(2), t * 1000), String(t)).toBe(step);
      // ±1 step still matches (to that step), ±2 does not.
      expect(matchTotp(RFC_SECRET, code, (t + 30) * 1000, 8)).toBe(step);
      expect(matchTotp(RFC_SECRET, code, (t - 30) * 1000, 8)).toBe(step);
      expect(matchTotp(RFC_SECRET, code, (t + 61) * 1000, 8)).toBeNull();
      expect(matchTotp(RFC_SECRET, code, (t - 61) * 1000, 8)).toBeNull();
    }
    expect(matchTotp(RFC_SECRET, 'abcdef', 59_000)).toBeNull();
  });
});
