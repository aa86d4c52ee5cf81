import { describe, expect, it, vi } from 'vitest';
import { createDb } from '../src/db/client';
import { users } from '../src/db/schema';
import { describeError } from '../src/lib/logger';
import { api, createUser, env, signIn } from './helpers';
import { createOrg, createVerifiedUser, invitationToken } from './helpers-orgs';

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

describe('request log', () => {
  it('never writes an invitation token, which the accept route carries in its path', async () => {
    const owner = await createVerifiedUser();
    const org = await createOrg(owner);
    const invitee = await createUser();
    const invited = await api('POST', `/organizations/${org.id}/users`, {
      token: owner.access_token,
      json: { user_id: invitee.id, role: 'member' },
    });
    expect(invited.status, invited.text).toBe(202);
    const token = await invitationToken(invitee.email);
    const { access_token } = await signIn(invitee);
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    const spies = (['log', 'warn', 'error'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation(capture),
    );
    try {
      // Unverified: refused, and the refusal is logged like any request.
      const res = await api('POST', `/organizations/invitations/${token}/accept`, {
        token: access_token,
      });
      expect(res.status, res.text).toBe(403);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const request = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(request).toContainEqual(
      expect.objectContaining({
        msg: 'request',
        path: '/organizations/invitations/[redacted]/accept',
        status: 403,
      }),
    );
    expect(lines.join('\n')).not.toContain(token);
  });

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
