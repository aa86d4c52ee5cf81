import { describe, expect, it } from 'vitest';
import { createDb } from '../src/db/client';
import { users } from '../src/db/schema';
import { describeError } from '../src/lib/logger';
import { createUser, env } from './helpers';

describe('describeError', () => {
  it('keeps the driver message of a failed query but never its parameters', async () => {
    const existing = await createUser();
    const secret = '$pbkdf2-sha256$i=100000$c2VjcmV0$SECRET-HASH-THAT-MUST-NOT-BE-LOGGED';
    let failure: unknown;
    try {
      await createDb(env).insert(users).values({
        id: existing.id,
        email: 'dup@example.com',
        passwordHash: secret,
        createdAt: new Date(),
        updatedAt: new Date(),
      });
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(Error);
    expect(String(failure)).toContain('SECRET-HASH'); // what a naive log line would carry
    const described = describeError(failure);
    expect(described).toMatch(/UNIQUE constraint failed: users\.id/);
    expect(described).not.toContain('SECRET-HASH');
    expect(described).not.toContain('dup@example.com');
  });

  it('describes other errors by name and message, with stack frames', () => {
    const described = describeError(new TypeError('boom'));
    expect(described.split('\n')[0]).toBe('TypeError: boom');
    expect(described.split('\n').length).toBeGreaterThan(1);
  });
});
