import { describe, expect, it, vi } from 'vitest';
import { createDb } from '../src/db/client';
import { users } from '../src/db/schema';
import { describeError } from '../src/lib/logger';
import { api, createUser, env } from './helpers';

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

describe('the request line', () => {
  it('is written for a refused answer, not for a successful one (the platform logs those)', async () => {
    const spy = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect((await api('GET', '/')).status).toBe(200);
      expect((await api('GET', '/auth/verify')).status).toBe(401);
      const lines = spy.mock.calls
        .map(([line]) => JSON.parse(String(line)) as { msg: string; path: string; status: number })
        .filter((line) => line.msg === 'request');
      expect(lines.map((l) => [l.path, l.status])).toEqual([['/auth/verify', 401]]);
    } finally {
      spy.mockRestore();
    }
  });
});
