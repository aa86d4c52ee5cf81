import { describe, expect, it } from 'vitest';
import { rotationVerdict, type TokenRow } from '../src/durable-objects/session-store/logic';

const INTERVAL = 10_000;
const current: TokenRow = { session_id: 's', rotated_at: null, successor: null };
const rotatedAt = (at: number, successor = 'next'): TokenRow => ({
  session_id: 's',
  rotated_at: at,
  successor,
});

describe('rotationVerdict (RFC 9700 §4.14.2 with a reuse interval)', () => {
  it('rotates a current token', () => {
    expect(rotationVerdict(current, undefined, 'next', INTERVAL, 1_000)).toBe('rotate');
  });

  it('replays the same unused successor within the interval', () => {
    expect(rotationVerdict(rotatedAt(1_000), current, 'next', INTERVAL, 5_000)).toBe('replay');
  });

  it('refuses, without ending the session, when the successor moved on within the interval', () => {
    const successorRotated = rotatedAt(2_000, 'after-next');
    expect(rotationVerdict(rotatedAt(1_000), successorRotated, 'next', INTERVAL, 5_000)).toBe(
      'superseded',
    );
    expect(rotationVerdict(rotatedAt(1_000, 'other'), current, 'next', INTERVAL, 5_000)).toBe(
      'superseded',
    );
  });

  it('calls a presentation at or after the interval reuse', () => {
    expect(rotationVerdict(rotatedAt(1_000), current, 'next', INTERVAL, 11_000)).toBe('reused');
  });

  it('gives no grace with an interval of 0, even to a request stamped before the rotation', () => {
    expect(rotationVerdict(rotatedAt(1_000), current, 'next', 0, 999)).toBe('reused');
  });
});
