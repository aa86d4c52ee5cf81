import { decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  JWKS_MAX_AGE_S as ROTATION_ASSUMED_MAX_AGE_S,
  keyStates,
  parseKeys,
  privateButRetired,
  prune,
  rotate,
  ROTATION_LEAD_S,
} from '../scripts/signing-key-rotation.mjs';
import { JWKS_MAX_AGE_S } from '../src/lib/signing-keys';
import { apiWithEnv, createUser, env, expectError } from './helpers';
import { serviceHeaders } from './helpers-admin';

const TTL = Number(env.ACCESS_TOKEN_TTL_SECONDS ?? 900);
const GRACE_MS = (TTL + 30) * 1000;

type KeyJwk = Awaited<ReturnType<typeof rotate>>[number];

/**
 * The worker configured with a rotation set instead of the single test key (and without the
 * identity provider's RS256 set, which rotates on its own: idp-discovery.test.ts).
 */
const withKeys = (keys: KeyJwk[]) => ({
  JWT_SIGNING_KEYS: JSON.stringify(keys),
  JWT_PRIVATE_KEY: undefined,
  JWT_RSA_SIGNING_KEYS: undefined,
});

/** The same set as it stands `ms` after the new key started signing (times shifted back). */
const activatedAgo = (keys: KeyJwk[], ms: number) =>
  keys.map((k, i) =>
    i === keys.length - 1 ? { ...k, active_from: new Date(Date.now() - ms).toISOString() } : k,
  );

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

async function loginWith(keys: KeyJwk[], user: { email: string; password: string }) {
  const res = await apiWithEnv(withKeys(keys), 'POST', '/auth/login', {
    json: { email: user.email, password: user.password },
  });
  expect(res.status, res.text).toBe(200);
  return res.body.access_token as string;
}

const jwksWith = (keys: KeyJwk[]) => apiWithEnv(withKeys(keys), 'GET', '/.well-known/jwks.json');
const verifyWith = (keys: KeyJwk[], token: string) =>
  apiWithEnv(withKeys(keys), 'GET', '/auth/verify', { token });

describe('npm run keys:rotate (scripts/signing-key-rotation.mjs)', () => {
  const single = () => parseKeys(String(env.JWT_PRIVATE_KEY));

  it('adds a key that signs after the lead, keeps the current one, refuses a short lead', async () => {
    const now = Date.now();
    const next = await rotate(single(), { now, tokenTtlSeconds: TTL });
    expect(next).toHaveLength(2);
    expect(next[0]!.kid).toBe(single()[0]!.kid);
    expect(next[0]!.d).toEqual(expect.any(String));
    expect(Date.parse(next[1]!.active_from!)).toBe(now + ROTATION_LEAD_S * 1000);
    expect(keyStates(next, { now, tokenTtlSeconds: TTL }).map((s) => s.state)).toEqual([
      'current',
      'next',
    ]);
    await expect(rotate(single(), { now, tokenTtlSeconds: TTL, leadSeconds: 60 })).rejects.toThrow(
      /at least/,
    );
    await expect(rotate(next, { now, tokenTtlSeconds: TTL })).rejects.toThrow(/starts signing/);
  });

  it('strips retired keys of their private part and drops them after the grace', async () => {
    const now = Date.now();
    const first = await rotate(single(), { now, tokenTtlSeconds: TTL });
    const later = now + ROTATION_LEAD_S * 1000 + 1;
    const second = await rotate(first, { now: later, tokenTtlSeconds: TTL, kid: 'k-second' });
    expect(second.map((k) => k.kid)).toEqual([first[0]!.kid, first[1]!.kid, 'k-second']);
    expect(second[0]!.d).toBeUndefined();
    // The first key's grace is over, the second one's (retired when k-second took over) is not.
    const third = await rotate(second, {
      now: now + ROTATION_LEAD_S * 1000 + GRACE_MS + 1,
      tokenTtlSeconds: TTL,
      kid: 'k-third',
    });
    expect(third.map((k) => k.kid)).toEqual([first[1]!.kid, 'k-second', 'k-third']);
    expect(third[0]!.d).toBeUndefined();
  });

  it('--prune drops the private part of a key that no longer signs, not of one that still does', async () => {
    const now = Date.now();
    const keys = await rotate(single(), { now, tokenTtlSeconds: TTL });
    const at = { now, tokenTtlSeconds: TTL };
    // Before the new key signs, the old one still does: nothing to drop.
    expect(prune(keys, at)).toEqual(keys);
    expect(privateButRetired(keys, at)).toEqual([]);
    const later = { now: now + ROTATION_LEAD_S * 1000 + 1, tokenTtlSeconds: TTL };
    expect(privateButRetired(keys, later)).toEqual([keys[0]!.kid]);
    const pruned = prune(keys, later);
    expect(pruned.map((k) => k.kid)).toEqual(keys.map((k) => k.kid));
    expect(pruned[0]!.d).toBeUndefined();
    expect(pruned[0]!.x).toBe(keys[0]!.x);
    expect(pruned[1]!.d).toBe(keys[1]!.d);
    expect(privateButRetired(pruned, later)).toEqual([]);
  });

  it('the JWKS cache lifetime is what the rotation lead assumes', async () => {
    expect(ROTATION_ASSUMED_MAX_AGE_S).toBe(JWKS_MAX_AGE_S);
    expect(ROTATION_LEAD_S).toBeGreaterThanOrEqual(2 * JWKS_MAX_AGE_S);
    const keys = await rotate(single(), { now: Date.now(), tokenTtlSeconds: TTL });
    const res = await jwksWith(keys);
    expect(res.headers.get('cache-control')).toBe(`public, max-age=${JWKS_MAX_AGE_S}`);
  });
});

describe('signing-key rotation in the worker', () => {
  it('publishes the next key before it signs; old tokens live to their expiry; then the old key is gone', async () => {
    const user = await createUser();
    const keys = await rotate(parseKeys(String(env.JWT_PRIVATE_KEY)), {
      now: Date.now(),
      tokenTtlSeconds: TTL,
    });
    const [oldKid, newKid] = keys.map((k) => k.kid);

    // Before activation: both keys published, the current one signs.
    const published = (await jwksWith(keys)).body.keys as JWK[];
    expect(published.map((k) => k.kid)).toEqual([oldKid, newKid]);
    expect(published.every((k) => k.d === undefined)).toBe(true);
    const before = await loginWith(keys, user);
    expect(kidOf(before)).toBe(oldKid);

    // Just after activation: the new key signs, the old token still verifies.
    const activated = activatedAgo(keys, 1_000);
    const after = await loginWith(activated, user);
    expect(kidOf(after)).toBe(newKid);
    expect((await verifyWith(activated, before)).status).toBe(200);
    expect((await verifyWith(activated, after)).status).toBe(200);
    expect(((await jwksWith(activated)).body.keys as JWK[]).map((k) => k.kid)).toEqual([
      oldKid,
      newKid,
    ]);

    // Pruned (--prune): the old key keeps no private part, yet stays published and its token
    // still verifies; the new key still signs.
    const pruned = prune(activated, { now: Date.now(), tokenTtlSeconds: TTL });
    expect(pruned[0]!.d).toBeUndefined();
    expect((await verifyWith(pruned, before)).status).toBe(200);
    expect(kidOf(await loginWith(pruned, user))).toBe(newKid);
    expect(((await jwksWith(pruned)).body.keys as JWK[]).map((k) => k.kid)).toEqual([
      oldKid,
      newKid,
    ]);

    // After the grace (every token the old key signed has expired): it is dropped, and a token
    // it signed is refused even though the token's own exp has not passed yet.
    const graceOver = activatedAgo(keys, GRACE_MS + 1_000);
    expect(decodeJwt(before).exp! * 1000).toBeGreaterThan(Date.now());
    expectError(await verifyWith(graceOver, before), 401, 'INVALID_TOKEN');
    expect((await verifyWith(graceOver, after)).status).toBe(200);
    expect(((await jwksWith(graceOver)).body.keys as JWK[]).map((k) => k.kid)).toEqual([newKid]);
  });

  it('takes over from JWT_PRIVATE_KEY only with a set that contains it; refuses an unsignable set', async () => {
    const keys = await rotate(parseKeys(String(env.JWT_PRIVATE_KEY)), {
      now: Date.now(),
      tokenTtlSeconds: TTL,
    });
    const health = (overrides: Record<string, unknown>) =>
      apiWithEnv(overrides, 'GET', '/health', { headers: serviceHeaders() });
    const both = { JWT_SIGNING_KEYS: JSON.stringify(keys), JWT_RSA_SIGNING_KEYS: undefined };
    expect((await health(both)).body.components.signing_key).toBe('ok');
    const jwks = await apiWithEnv(both, 'GET', '/.well-known/jwks.json');
    expect(jwks.body.keys).toHaveLength(2);
    const unrelated = { JWT_SIGNING_KEYS: JSON.stringify(keys.slice(1)) };
    expect((await health(unrelated)).body.components.signing_key).toBe('invalid');
    const { d: _d, ...publicOnly } = keys[1]!;
    const unsignable = await apiWithEnv(withKeys([keys[0]!, publicOnly]), 'GET', '/health', {
      headers: serviceHeaders(),
    });
    expect(unsignable.body.components.signing_key).toBe('invalid');
  });
});
