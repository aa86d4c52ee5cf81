import {
  base64url,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, createSignedInUser, env, expectError } from './helpers';

type Header = Record<string, unknown>;

const PRIVATE_JWK = JSON.parse(String(env.JWT_PRIVATE_KEY)) as JWK;
const KID = PRIVATE_JWK.kid!;
const now = () => Math.floor(Date.now() / 1000);
const encodeJson = (value: unknown) => base64url.encode(JSON.stringify(value));

let privateKey: CryptoKey;
beforeAll(async () => {
  privateKey = (await importJWK(PRIVATE_JWK, 'EdDSA')) as CryptoKey;
});

/** Signs `payload` exactly as given (no defaults), with the worker's real private key. */
const signWithRealKey = (payload: JWTPayload, header: Header = {}) =>
  new SignJWT(payload)
    .setProtectedHeader({ alg: 'EdDSA', kid: KID, typ: 'at+jwt', ...header })
    .sign(privateKey);

const verify = (token: string) => api('GET', '/auth/verify', { token });

/** A live session and the claims of its real access token. */
async function liveSession() {
  const user = await createSignedInUser();
  const claims = decodeJwt(user.access_token);
  return { user, claims };
}

/** The claims of a live session with some replaced (undefined removes one). */
const withClaims = (claims: JWTPayload, changes: Record<string, unknown>) => {
  const out: Record<string, unknown> = { ...claims, ...changes };
  for (const [k, v] of Object.entries(changes)) if (v === undefined) delete out[k];
  return out as JWTPayload;
};

describe('access tokens', () => {
  it('are EdDSA JWTs typed at+jwt whose kid is published in the JWKS', async () => {
    const { access_token } = await createSignedInUser();
    const header = decodeProtectedHeader(access_token);
    expect(header).toEqual({ alg: 'EdDSA', kid: expect.any(String), typ: 'at+jwt' });
    const jwks = await api('GET', '/.well-known/jwks.json');
    expect(jwks.body.keys.map((k: JWK) => k.kid)).toContain(header.kid);
  });

  it('carry iss, aud, sub, sid, jti, iat, exp, email and roles with a 15-minute lifetime', async () => {
    const user = await createSignedInUser();
    const claims = decodeJwt(user.access_token);
    expect(claims).toEqual({
      iss: env.JWT_ISSUER,
      aud: env.JWT_AUDIENCE,
      sub: user.id,
      sid: expect.stringMatching(/\S/),
      jti: expect.stringMatching(/\S/),
      iat: expect.any(Number),
      exp: expect.any(Number),
      email: user.email,
      roles: expect.any(Array),
    });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(Math.abs(claims.iat! - now())).toBeLessThan(60);
    expect(user.expires_in).toBe(900);
  });

  it('carry no secrets or password material', async () => {
    const user = await createSignedInUser();
    const text = JSON.stringify(decodeJwt(user.access_token));
    expect(text).not.toContain(user.password);
    expect(text).not.toMatch(/pbkdf2|password|refresh/i);
  });

  it('get a fresh jti on every issue', async () => {
    const user = await createSignedInUser();
    const refreshed = await api('POST', '/auth/refresh', {
      json: { refresh_token: user.refresh_token },
    });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(decodeJwt(refreshed.body.access_token).jti).not.toBe(decodeJwt(user.access_token).jti);
  });

  it('are verified by a third party using only the published JWKS', async () => {
    const user = await createSignedInUser();
    const jwks = await api('GET', '/.well-known/jwks.json');
    const { payload, protectedHeader } = await jwtVerify(
      user.access_token,
      createLocalJWKSet(jwks.body),
      { issuer: String(env.JWT_ISSUER), audience: String(env.JWT_AUDIENCE), typ: 'at+jwt' },
    );
    expect(payload.sub).toBe(user.id);
    expect(protectedHeader.alg).toBe('EdDSA');
  });

  it('are accepted by GET /auth/verify with the session described', async () => {
    const { user, claims } = await liveSession();
    const res = await verify(user.access_token);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      valid: true,
      user_id: user.id,
      email: user.email,
      session_id: claims.sid,
      roles: claims.roles,
      expires_at: new Date(claims.exp! * 1000).toISOString(),
    });
  });
});

describe('GET /.well-known/jwks.json', () => {
  it('publishes only public members (Ed25519, and the ID tokens’ RSA), never the private key', async () => {
    const res = await api('GET', '/.well-known/jwks.json');
    expect(res.status, res.text).toBe(200);
    expect(res.body.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of res.body.keys as JWK[]) {
      const expected =
        key.alg === 'RS256'
          ? { kty: 'RSA', alg: 'RS256', use: 'sig' }
          : { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' };
      expect(key).toMatchObject(expected);
      expect(key.kid).toEqual(expect.any(String));
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])
        expect(key).not.toHaveProperty(secret);
    }
    expect(res.text).not.toContain(PRIVATE_JWK.d!);
  });

  it('may be cached briefly by verifiers', async () => {
    const res = await api('GET', '/.well-known/jwks.json');
    expect(res.headers.get('Cache-Control')).toMatch(/max-age=\d+/);
    expect(res.headers.get('Cache-Control')).not.toMatch(/private|no-store/);
  });
});

describe('GET /auth/verify refuses forged and invalid tokens', () => {
  it('accepts a token the test signs with the real key and live claims (control)', async () => {
    // Proves that the forgeries below fail for the one thing each changes.
    const { user, claims } = await liveSession();
    const res = await verify(await signWithRealKey(claims));
    expect(res.status, res.text).toBe(200);
    expect(res.body.user_id).toBe(user.id);
  });

  it('refuses an unsigned token (alg none)', async () => {
    const { claims } = await liveSession();
    for (const header of [
      { alg: 'none', typ: 'at+jwt' },
      { alg: 'none', typ: 'at+jwt', kid: KID },
      { alg: 'None', typ: 'at+jwt', kid: KID },
    ]) {
      const token = `${encodeJson(header)}.${encodeJson(claims)}.`;
      expectError(await verify(token), 401, 'INVALID_TOKEN');
    }
  });

  it("refuses a token whose payload was changed to another user's, keeping the signature", async () => {
    const victim = await liveSession();
    const attacker = await liveSession();
    const [header, , signature] = attacker.user.access_token.split('.');
    const forged = withClaims(attacker.claims, {
      sub: victim.user.id,
      sid: victim.claims.sid,
      email: victim.user.email,
    });
    const res = await verify(`${header}.${encodeJson(forged)}.${signature}`);
    expectError(res, 401, 'INVALID_TOKEN');
    expect(res.text).not.toContain(victim.user.email);
  });

  it('refuses a token whose roles were elevated, keeping the signature', async () => {
    const { user, claims } = await liveSession();
    const [header, , signature] = user.access_token.split('.');
    const forged = withClaims(claims, { roles: ['admin'] });
    expectError(await verify(`${header}.${encodeJson(forged)}.${signature}`), 401, 'INVALID_TOKEN');
  });

  it('refuses a token with its signature removed or truncated', async () => {
    const { user } = await liveSession();
    const [header, payload, signature] = user.access_token.split('.');
    for (const token of [
      `${header}.${payload}.`,
      `${header}.${payload}`,
      `${header}.${payload}.${signature!.slice(0, -4)}`,
    ]) {
      expectError(await verify(token), 401, 'INVALID_TOKEN');
    }
  });

  it('refuses HS256 tokens keyed with the public key (algorithm confusion)', async () => {
    const { claims } = await liveSession();
    const jwks = await api('GET', '/.well-known/jwks.json');
    const published = (jwks.body.keys as JWK[]).find((k) => k.kid === KID)!;
    const secrets = [
      base64url.decode(published.x!), // the raw public key bytes
      new TextEncoder().encode(published.x), // the x member as text
      new TextEncoder().encode(JSON.stringify(published)), // the whole JWK as text
    ];
    for (const secret of secrets) {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: KID, typ: 'at+jwt' })
        .sign(secret);
      expectError(await verify(token), 401, 'INVALID_TOKEN');
    }
  });

  it('refuses a token signed by another Ed25519 key under the real kid', async () => {
    const { claims } = await liveSession();
    const attacker = await generateKeyPair('EdDSA');
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: KID, typ: 'at+jwt' })
      .sign(attacker.privateKey);
    expectError(await verify(token), 401, 'INVALID_TOKEN');
  });

  it('refuses a token with an unknown kid, or none, even when correctly signed', async () => {
    const { claims } = await liveSession();
    expectError(
      await verify(await signWithRealKey(claims, { kid: 'no-such-key' })),
      401,
      'INVALID_TOKEN',
    );
    const withoutKid = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
      .sign(privateKey);
    expectError(await verify(withoutKid), 401, 'INVALID_TOKEN');
  });

  it('ignores an embedded jwk header: a self-signed token is refused', async () => {
    const { claims } = await liveSession();
    const attacker = await generateKeyPair('EdDSA', { extractable: true });
    const jwk = await exportJWK(attacker.publicKey);
    for (const header of [
      { alg: 'EdDSA', typ: 'at+jwt', jwk },
      { alg: 'EdDSA', typ: 'at+jwt', jwk, kid: KID },
      { alg: 'EdDSA', typ: 'at+jwt', jwk: { ...jwk, kid: 'attacker' }, kid: 'attacker' },
    ]) {
      const token = await new SignJWT(claims).setProtectedHeader(header).sign(attacker.privateKey);
      expectError(await verify(token), 401, 'INVALID_TOKEN');
    }
  });

  it('ignores jku and x5u headers pointing at an attacker key set', async () => {
    const { claims } = await liveSession();
    const attacker = await generateKeyPair('EdDSA');
    for (const header of [
      { alg: 'EdDSA', typ: 'at+jwt', kid: 'attacker', jku: 'https://attacker.example/jwks.json' },
      { alg: 'EdDSA', typ: 'at+jwt', kid: KID, jku: 'https://attacker.example/jwks.json' },
      { alg: 'EdDSA', typ: 'at+jwt', kid: 'attacker', x5u: 'https://attacker.example/cert.pem' },
    ]) {
      const token = await new SignJWT(claims).setProtectedHeader(header).sign(attacker.privateKey);
      expectError(await verify(token), 401, 'INVALID_TOKEN');
    }
  });

  it('refuses a token from another issuer or for another audience', async () => {
    const { claims } = await liveSession();
    for (const changes of [
      { iss: 'https://evil.example' },
      { iss: `${env.JWT_ISSUER}/` },
      { aud: 'another-service' },
      { aud: ['another-service'] },
      { iss: undefined },
      { aud: undefined },
    ]) {
      const res = await verify(await signWithRealKey(withClaims(claims, changes)));
      expectError(res, 401, 'INVALID_TOKEN');
    }
  });

  it('refuses an expired token with TOKEN_EXPIRED', async () => {
    const { claims } = await liveSession();
    const t = now();
    const expired = await signWithRealKey(withClaims(claims, { iat: t - 3600, exp: t - 2700 }));
    expectError(await verify(expired), 401, 'TOKEN_EXPIRED');
  });

  it('allows at most 30 seconds of clock skew after exp', async () => {
    const { claims } = await liveSession();
    const t = now();
    const justExpired = await signWithRealKey(withClaims(claims, { iat: t - 945, exp: t - 45 }));
    expectError(await verify(justExpired), 401, 'TOKEN_EXPIRED');
  });

  it('refuses a token that is not an access token (wrong or missing typ)', async () => {
    const { claims } = await liveSession();
    for (const typ of ['JWT', 'jwt', 'refresh+jwt', 'application/at+jwt+x', undefined]) {
      const token = await signWithRealKey(claims, { typ });
      expectError(await verify(token), 401, 'INVALID_TOKEN');
    }
  });

  for (const claim of ['sid', 'sub', 'jti', 'exp']) {
    it(`refuses a token without ${claim}`, async () => {
      const { claims } = await liveSession();
      const res = await verify(await signWithRealKey(withClaims(claims, { [claim]: undefined })));
      expectError(res, 401, 'INVALID_TOKEN');
    });
  }

  it('refuses a token whose sid is not a session of its subject', async () => {
    const a = await liveSession();
    const b = await liveSession();
    const res = await verify(await signWithRealKey(withClaims(a.claims, { sid: b.claims.sid })));
    expect(res.status).toBe(401);
  });

  it('refuses claims of the wrong type', async () => {
    const { claims } = await liveSession();
    for (const changes of [{ roles: 'admin' }, { sid: 42 }, { email: null }]) {
      const res = await verify(await signWithRealKey(withClaims(claims, changes)));
      expectError(res, 401, 'INVALID_TOKEN');
    }
  });

  it('refuses malformed Authorization headers', async () => {
    const { user } = await liveSession();
    for (const authorization of [
      '',
      'Bearer',
      'Bearer ',
      `Basic ${user.access_token}`,
      `Bearer ${user.access_token} extra`,
      'Bearer not-a-jwt',
      'Bearer a.b.c',
      `Bearer ${user.refresh_token}`,
    ]) {
      const res = await api('GET', '/auth/verify', { headers: { Authorization: authorization } });
      expectError(res, 401, 'INVALID_TOKEN');
    }
  });

  it('answers a missing token with 401 and a Bearer challenge', async () => {
    const res = await api('GET', '/auth/verify');
    expectError(res, 401, 'INVALID_TOKEN');
    expect(res.headers.get('WWW-Authenticate') ?? '').toMatch(/^Bearer/);
  });

  // RFC 6750 §3: a 401 for an invalid token MUST carry WWW-Authenticate.
  it('answers an invalid or expired token with a Bearer challenge too', async () => {
    const { claims } = await liveSession();
    const t = now();
    const expired = await signWithRealKey(withClaims(claims, { iat: t - 3600, exp: t - 2700 }));
    for (const token of ['a.b.c', expired]) {
      const res = await verify(token);
      expect(res.status).toBe(401);
      expect(res.headers.get('WWW-Authenticate') ?? '').toMatch(/^Bearer/);
    }
  });
});
