import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { z } from 'zod';

/**
 * The signing key (JWT_PRIVATE_KEY, a private JWK) and the public keys that verify tokens: the
 * current one and any still-valid previous ones (JWT_PREVIOUS_PUBLIC_KEYS, a JSON array), which
 * the JWKS keeps publishing until their last tokens expire (security.md "Tokens").
 */
export type SigningAlg = 'EdDSA' | 'ES256';

export interface VerifyKey {
  alg: SigningAlg;
  key: CryptoKey;
}

export interface SigningKeys {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  verifyKeys: Map<string, VerifyKey>;
  publicJwks: JWK[];
}

export type KeyStatus = 'ok' | 'missing' | 'invalid' | 'weak';

// Only asymmetric curves with ≥128-bit security: symmetric (`oct`) or RSA keys are refused as
// weak, since a verifier holding an HMAC secret could mint tokens (RFC 8725 §3.1-3.2).
const PublicJwkSchema = z.union([
  z.looseObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(43) }),
  z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string() }),
]);

const algOf = (jwk: { kty: string }): SigningAlg => (jwk.kty === 'OKP' ? 'EdDSA' : 'ES256');
const toPublic = ({ d: _d, key_ops: _ops, ext: _ext, ...pub }: JWK): JWK => pub;

async function verifyKeyFor(jwk: JWK) {
  const parsed = PublicJwkSchema.parse(jwk);
  const alg = algOf(parsed);
  const pub = toPublic(jwk);
  const kid = jwk.kid ?? (await calculateJwkThumbprint(pub));
  const key = (await importJWK({ ...pub, alg }, alg)) as CryptoKey;
  return { kid, alg, key, jwk: { ...pub, kid, alg, use: 'sig' } };
}

/** Loads and checks the key material; never throws (a bad key is a status, not a crash). */
export async function loadSigningKeys(
  privateJwk: string | undefined,
  previousPublicJwks: string | undefined,
): Promise<{ status: KeyStatus; keys?: SigningKeys }> {
  if (!privateJwk?.trim()) return { status: 'missing' };
  let jwk: JWK;
  try {
    jwk = JSON.parse(privateJwk) as JWK;
  } catch {
    return { status: 'invalid' };
  }
  if (jwk.kty === 'oct' || jwk.kty === 'RSA') return { status: 'weak' };
  try {
    if (typeof jwk.d !== 'string' || jwk.d.length < 43) return { status: 'invalid' };
    const current = await verifyKeyFor(jwk);
    const privateKey = (await importJWK({ ...jwk, alg: current.alg }, current.alg)) as CryptoKey;
    const previous = previousPublicJwks?.trim()
      ? await Promise.all((JSON.parse(previousPublicJwks) as JWK[]).map(verifyKeyFor))
      : [];
    if (previous.some((p) => p.kid === current.kid)) return { status: 'invalid' };
    const all = [current, ...previous];
    return {
      status: 'ok',
      keys: {
        kid: current.kid,
        alg: current.alg,
        privateKey,
        verifyKeys: new Map(all.map((k) => [k.kid, { alg: k.alg, key: k.key }])),
        publicJwks: all.map((k) => k.jwk),
      },
    };
  } catch {
    return { status: 'invalid' };
  }
}
