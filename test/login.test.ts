import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../src/lib/password';
import {
  api,
  createUser,
  env,
  eventually,
  expectError,
  median,
  PRODUCTION_HASHING,
  signIn,
  STRONG_PASSWORD,
  testHasher,
  uniqueEmail,
  useVarsForThisFile,
} from './helpers';

// This file times the hash (no oracle for unknown emails) and checks rehashing to the
// production count: hashes cost what they cost in production.
useVarsForThisFile(PRODUCTION_HASHING);

const login = (email: string, password: string) =>
  api('POST', '/auth/login', { json: { email, password } });

const storedHash = async (userId: string) =>
  (await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?')
    .bind(userId)
    .first<{ password_hash: string }>())!.password_hash;

/** The response body without its per-request id. */
const withoutRequestId = ({ request_id: _id, ...rest }: Record<string, unknown>) => rest;

describe('POST /auth/login', () => {
  it('returns a bearer token pair that must not be cached', async () => {
    const user = await createUser();
    const res = await login(user.email, user.password);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      refresh_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
    });
    expect(res.headers.get('Cache-Control')).toMatch(/no-store/);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(decodeJwt(res.body.access_token).sub).toBe(user.id);
  });

  it('starts a new session on every login', async () => {
    const user = await createUser();
    const a = await signIn(user);
    const b = await signIn(user);
    expect(decodeJwt(a.access_token).sid).not.toBe(decodeJwt(b.access_token).sid);
    expect(a.refresh_token).not.toBe(b.refresh_token);
  });

  it('accepts the email in any case and with surrounding spaces', async () => {
    const user = await createUser();
    await signIn({ email: ` ${user.email.toUpperCase()} `, password: user.password });
  });

  it('is case-sensitive in the password', async () => {
    const user = await createUser();
    expectError(await login(user.email, user.password.toLowerCase()), 401, 'INVALID_CREDENTIALS');
  });

  it('answers an unknown email and a wrong password with the same 401 body', async () => {
    const user = await createUser();
    const wrong = await login(user.email, 'Wrong-Password-1');
    const unknown = await login(uniqueEmail('ghost'), 'Wrong-Password-1');
    expectError(wrong, 401, 'INVALID_CREDENTIALS');
    expectError(unknown, 401, 'INVALID_CREDENTIALS');
    expect(withoutRequestId(unknown.body)).toEqual(withoutRequestId(wrong.body));
    expect(unknown.headers.get('WWW-Authenticate')).toBe(wrong.headers.get('WWW-Authenticate'));
    expect(unknown.body.request_id).not.toBe(wrong.body.request_id);
  });

  it('takes about as long for an unknown email as for a wrong password', async () => {
    // Three series measured in rounds, so drift and load hit all alike: unknown emails, wrong
    // passwords, and a baseline doing everything but the hash (an account whose stored hash
    // has out-of-bounds parameters is refused before deriving): wrong - baseline = one hash.
    // Every email gets one untimed attempt first, so each timed attempt is the second on its
    // key for the per-account limiter, and none comes near the lockout (5 failures).
    // 21 rounds: with 9, a loaded machine (load average 10 on 2 cores) swung the median gap
    // past its bound about one run in three; the bound itself is unchanged.
    const ROUNDS = 21;
    const register = () => Promise.all(Array.from({ length: ROUNDS }, () => createUser()));
    const [users, unhashable] = [await register(), await register()];
    for (const user of unhashable) {
      const tampered = (await storedHash(user.id)).replace('$i=100000$', '$i=1000000000$');
      await env.DB.prepare('UPDATE users SET password_hash = ? WHERE id = ?')
        .bind(tampered, user.id)
        .run();
    }
    const ghosts = Array.from({ length: ROUNDS }, () => uniqueEmail('ghost'));
    const time = async (email: string) => {
      const start = performance.now();
      const res = await login(email, 'Wrong-Password-1');
      expect(res.status, res.text).toBe(401);
      return performance.now() - start;
    };
    const unknownMinusWrong: number[] = [];
    const wrongMinusBaseline: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      for (const email of [ghosts[i]!, users[i]!.email, unhashable[i]!.email]) await time(email);
      const unknown = await time(ghosts[i]!);
      const wrong = await time(users[i]!.email);
      const baseline = await time(unhashable[i]!.email);
      unknownMinusWrong.push(unknown - wrong);
      wrongMinusBaseline.push(wrong - baseline);
    }
    const oneHash = median(wrongMinusBaseline);
    const gap = Math.abs(median(unknownMinusWrong));
    // Skipping the dummy hash would make unknown emails as fast as the baseline: gap = oneHash.
    expect(
      gap,
      `unknown-wrong ${unknownMinusWrong.join(' ')}; wrong-baseline ${wrongMinusBaseline.join(' ')}`,
    ).toBeLessThan(Math.max(oneHash, 4) / 2);
  });

  it('refuses a missing or empty password with 422, not 401', async () => {
    const user = await createUser();
    expectError(
      await api('POST', '/auth/login', { json: { email: user.email } }),
      422,
      'VALIDATION_ERROR',
    );
    expect((await login(user.email, '')).status).toBe(422);
  });

  it('refuses unknown fields with 422', async () => {
    const user = await createUser();
    const res = await api('POST', '/auth/login', {
      json: { email: user.email, password: user.password, remember_me_forever: true },
    });
    expectError(res, 422, 'VALIDATION_ERROR');
  });

  it('refuses a malformed email with 422 INVALID_EMAIL', async () => {
    expectError(await login('not-an-email', STRONG_PASSWORD), 422, 'INVALID_EMAIL');
  });

  it('refuses type confusion in the password (object, array, number) with 422', async () => {
    const user = await createUser();
    for (const password of [{ $ne: null }, [user.password], 0, true]) {
      const res = await api('POST', '/auth/login', { json: { email: user.email, password } });
      expect(res.status, JSON.stringify(password)).toBe(422);
    }
  });

  it('does not accept a stored hash as the password', async () => {
    const user = await createUser();
    const hash = await storedHash(user.id);
    expectError(await login(user.email, hash), 401, 'INVALID_CREDENTIALS');
  });

  describe('transparent rehash', () => {
    it('upgrades a hash made with fewer iterations after a successful login', async () => {
      const user = await createUser();
      const weak = await hashPassword(await testHasher(50_000), user.password);
      await env.DB.prepare('UPDATE users SET password_hash = ? WHERE id = ?')
        .bind(weak, user.id)
        .run();
      expect(await storedHash(user.id)).toMatch(/^\$pbkdf2-sha256\$i=50000\$/);

      await signIn(user);
      const upgraded = await eventually(async () => {
        const hash = await storedHash(user.id);
        return hash.startsWith('$pbkdf2-sha256$i=100000$') ? hash : null;
      });
      expect(upgraded, 'hash was not upgraded to 100,000 iterations').not.toBeNull();
      // The new hash still verifies the password, and only that password.
      await signIn(user);
      expectError(await login(user.email, 'Wrong-Password-1'), 401, 'INVALID_CREDENTIALS');
    });

    it('leaves an old hash alone after a failed login', async () => {
      const user = await createUser();
      const weak = await hashPassword(await testHasher(50_000), user.password);
      await env.DB.prepare('UPDATE users SET password_hash = ? WHERE id = ?')
        .bind(weak, user.id)
        .run();
      expectError(await login(user.email, 'Wrong-Password-1'), 401, 'INVALID_CREDENTIALS');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await storedHash(user.id)).toBe(weak);
    });

    it('refuses login when the stored hash has out-of-bounds parameters', async () => {
      const user = await createUser();
      const tampered = (await storedHash(user.id)).replace('$i=100000$', '$i=1000000000$');
      await env.DB.prepare('UPDATE users SET password_hash = ? WHERE id = ?')
        .bind(tampered, user.id)
        .run();
      const res = await login(user.email, user.password);
      expectError(res, 401, 'INVALID_CREDENTIALS');
      expect(await storedHash(user.id)).toBe(tampered);
    });
  });
});
