import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { PBKDF2_MAX_ITERATIONS } from '../src/lib/password';
import { base64url } from '../src/lib/crypto';
import {
  burnDummyHash,
  hashPassword,
  parseStoredHash,
  pbkdf2Sha256,
  verifyPassword,
} from '../src/lib/password';
import { median, testHasher } from './helpers';

const utf8 = (s: string) => new TextEncoder().encode(s);

// RFC 7914 §11 lists PBKDF2-HMAC-SHA256 test vectors (they feed scrypt's tests).
const RFC_7914_VECTORS = [
  {
    password: 'passwd',
    salt: 'salt',
    iterations: 1,
    hex: '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783',
  },
  {
    password: 'Password',
    salt: 'NaCl',
    iterations: 80_000,
    hex: '4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d',
  },
];

const PHC = /^\$pbkdf2-sha256\$i=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

describe('pbkdf2Sha256', () => {
  for (const v of RFC_7914_VECTORS) {
    it(`matches the RFC 7914 §11 vector P="${v.password}" S="${v.salt}" c=${v.iterations}`, async () => {
      // An independent implementation guards against a mistyped expected value. Pure-JS PBKDF2
      // is slow, so at high counts only the first block (32 bytes) is recomputed.
      const dkLen = v.iterations > 1_000 ? 32 : 64;
      const reference = bytesToHex(
        pbkdf2(sha256, utf8(v.password), utf8(v.salt), { c: v.iterations, dkLen }),
      );
      expect(reference).toBe(v.hex.slice(0, dkLen * 2));
      const derived = await pbkdf2Sha256(utf8(v.password), utf8(v.salt), v.iterations, 64);
      expect(bytesToHex(derived)).toBe(v.hex);
    });
  }

  it('agrees with an independent implementation on a 32-byte key at 1,000 iterations', async () => {
    const password = utf8('pässwörd ✓');
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const derived = await pbkdf2Sha256(password, salt, 1_000, 32);
    expect(bytesToHex(derived)).toBe(bytesToHex(pbkdf2(sha256, password, salt, { c: 1_000 })));
  });

  it('accepts exactly 100,000 iterations, the production cap', async () => {
    const derived = await pbkdf2Sha256(utf8('p'), utf8('salt'), PBKDF2_MAX_ITERATIONS, 32);
    expect(derived).toHaveLength(32);
  });

  it('refuses more than 100,000 iterations, which production Workers reject', async () => {
    expect(PBKDF2_MAX_ITERATIONS).toBe(100_000);
    await expect(pbkdf2Sha256(utf8('p'), utf8('salt'), 100_001, 32)).rejects.toThrow(RangeError);
  });
});

describe('hashPassword and verifyPassword', () => {
  it('stores a PHC string with 100,000 iterations, a 16-byte salt and a 32-byte hash', async () => {
    const hasher = await testHasher();
    const stored = await hashPassword(hasher, 'Vermilion-Otter-42');
    const match = PHC.exec(stored);
    expect(match, stored).not.toBeNull();
    expect(match![1]).toBe('100000');
    expect(base64url.decode(match![2]!)).toHaveLength(16);
    expect(base64url.decode(match![3]!)).toHaveLength(32);
  });

  it('uses a fresh salt per hash, so equal passwords store differently', async () => {
    const hasher = await testHasher();
    const [a, b] = await Promise.all([
      hashPassword(hasher, 'Same-Password-1'),
      hashPassword(hasher, 'Same-Password-1'),
    ]);
    expect(a).not.toBe(b);
    expect(PHC.exec(a)![2]).not.toBe(PHC.exec(b)![2]);
  });

  it('does not store the plain PBKDF2 output: the pepper is applied on top', async () => {
    const hasher = await testHasher();
    const stored = await hashPassword(hasher, 'Vermilion-Otter-42');
    const parsed = parseStoredHash(stored)!;
    const unpeppered = await pbkdf2Sha256(utf8('Vermilion-Otter-42'), parsed.salt, 100_000, 32);
    expect(bytesToHex(parsed.hash)).not.toBe(bytesToHex(unpeppered));
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hasher = await testHasher();
    const stored = await hashPassword(hasher, 'Vermilion-Otter-42');
    expect(await verifyPassword(hasher, 'Vermilion-Otter-42', stored)).toEqual({
      ok: true,
      needsRehash: false,
    });
    expect(await verifyPassword(hasher, 'vermilion-otter-42', stored)).toEqual({
      ok: false,
      needsRehash: false,
    });
    expect(await verifyPassword(hasher, 'Vermilion-Otter-42 ', stored)).toMatchObject({
      ok: false,
    });
  });

  it('refuses the right password under a different pepper', async () => {
    const hasher = await testHasher();
    const stored = await hashPassword(hasher, 'Vermilion-Otter-42');
    const otherPepper = await crypto.subtle.importKey(
      'raw',
      crypto.getRandomValues(new Uint8Array(32)),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const other = { iterations: 100_000, pepper: otherPepper };
    expect(await verifyPassword(other, 'Vermilion-Otter-42', stored)).toMatchObject({ ok: false });
  });

  it('normalises with NFKC: a ligature and its letters verify the same', async () => {
    const hasher = await testHasher();
    const stored = await hashPassword(hasher, 'Of\uFB01ce-Key-42'); // "ﬁ" ligature
    expect(await verifyPassword(hasher, 'Office-Key-42', stored)).toMatchObject({ ok: true });
    const composed = await hashPassword(hasher, 'Caf\u00E9-Latte-7'); // é precomposed
    expect(await verifyPassword(hasher, 'Cafe\u0301-Latte-7', composed)).toMatchObject({
      ok: true,
    }); // e + combining acute
  });

  it('asks for a rehash only when a correct password was stored with other iterations', async () => {
    const old = await testHasher(50_000);
    const current = await testHasher(100_000);
    const stored = await hashPassword(old, 'Vermilion-Otter-42');
    expect(stored).toMatch(/^\$pbkdf2-sha256\$i=50000\$/);
    expect(await verifyPassword(current, 'Vermilion-Otter-42', stored)).toEqual({
      ok: true,
      needsRehash: true,
    });
    expect(await verifyPassword(current, 'Wrong-Password-1', stored)).toEqual({
      ok: false,
      needsRehash: false,
    });
    const fresh = await hashPassword(current, 'Vermilion-Otter-42');
    expect(await verifyPassword(current, 'Vermilion-Otter-42', fresh)).toEqual({
      ok: true,
      needsRehash: false,
    });
  });

  it('burns a full hash for an unknown account', async () => {
    const hasher = await testHasher();
    const time = async (run: () => Promise<unknown>) => {
      const start = performance.now();
      await run();
      return performance.now() - start;
    };
    const burns: number[] = [];
    const verifies: number[] = [];
    const stored = await hashPassword(hasher, 'Vermilion-Otter-42');
    // Nine pairs: three let one slow spell of a loaded machine decide the median.
    for (let i = 0; i < 9; i++) {
      burns.push(await time(() => burnDummyHash(hasher, 'Guess-Password-1')));
      verifies.push(await time(() => verifyPassword(hasher, 'Guess-Password-1', stored)));
    }
    expect(median(burns)).toBeGreaterThan(median(verifies) / 2);
  });
});

describe('parseStoredHash', () => {
  const salt = base64url.encode(new Uint8Array(16).fill(7));
  const hash = base64url.encode(new Uint8Array(32).fill(9));
  const stored = (i: string | number, s = salt, h = hash) => `$pbkdf2-sha256$i=${i}$${s}$${h}`;

  it('parses a well-formed hash', () => {
    const parsed = parseStoredHash(stored(100_000));
    expect(parsed).not.toBeNull();
    expect(parsed!.iterations).toBe(100_000);
    expect(parsed!.salt).toEqual(new Uint8Array(16).fill(7));
    expect(parsed!.hash).toEqual(new Uint8Array(32).fill(9));
  });

  const rejected: [string, string][] = [
    ['10^9 iterations', stored(1_000_000_000)],
    ['100,001 iterations', stored(100_001)],
    ['0 iterations', stored(0)],
    ['999 iterations', stored(999)],
    ['negative iterations', stored(-1)],
    ['an 11-digit iteration count', stored('10000000000')],
    ['non-base64url salt', stored(100_000, 'c2FsdA==')],
    ['a salt with characters outside base64url', stored(100_000, 'sa!t$alt')],
    ['a short salt', stored(100_000, base64url.encode(new Uint8Array(8)))],
    ['a truncated hash', stored(100_000, salt, hash.slice(0, 20))],
    ['an over-long hash', stored(100_000, salt, base64url.encode(new Uint8Array(64)))],
    ['another scheme', `$argon2id$v=19$m=65536,t=3,p=4$${salt}$${hash}`],
    ['an empty string', ''],
    ['a plaintext password', 'Vermilion-Otter-42'],
    ['trailing data', `${stored(100_000)}$extra`],
    ['a line break', `${stored(100_000)}\n`],
  ];
  for (const [name, value] of rejected) {
    it(`rejects ${name} before any derivation`, () => {
      expect(parseStoredHash(value)).toBeNull();
    });
  }

  it('answers a tampered 10^9-iteration hash with a refusal far faster than one hash', async () => {
    const hasher = await testHasher();
    const real = await hashPassword(hasher, 'Vermilion-Otter-42');
    const start = performance.now();
    await verifyPassword(hasher, 'Vermilion-Otter-42', real);
    const oneHash = performance.now() - start;

    const tampered = real.replace('$i=100000$', '$i=1000000000$');
    const t0 = performance.now();
    const outcome = await verifyPassword(hasher, 'Vermilion-Otter-42', tampered);
    const refusal = performance.now() - t0;
    expect(outcome).toEqual({ ok: false, needsRehash: false });
    expect(refusal).toBeLessThan(Math.max(5, oneHash / 2));
  });
});
