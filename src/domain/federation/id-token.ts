import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload } from 'jose';
import { FederationError, timedFetch } from './provider';

/**
 * An ID token of a named provider, verified in full with jose against the provider's JWKS:
 * signature, `iss`, `aud`, `exp` (and `nbf`/`iat` sanity), and the nonce this ceremony sent.
 * arctic's decodeIdToken only decodes: it is never enough (security.md "Federation").
 */

/** One key set per JWKS URL per isolate: jose refetches on an unknown `kid` (key rotation). */
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function keySetOf(jwksUri: string) {
  let keys = keySets.get(jwksUri);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(jwksUri), { [customFetch]: timedFetch });
    keySets.set(jwksUri, keys);
  }
  return keys;
}

export interface IdTokenCheck {
  jwksUri: string;
  /** The exact issuer, or a check of it (Microsoft's multi-tenant issuers carry the tenant). */
  issuer: string | ((iss: string, payload: JWTPayload) => boolean);
  audience: string;
  nonce: string;
}

export async function verifyIdToken(token: string, check: IdTokenCheck): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, keySetOf(check.jwksUri), {
      audience: check.audience,
      algorithms: ['RS256', 'ES256'],
      requiredClaims: ['iss', 'sub', 'exp', 'iat'],
      ...(typeof check.issuer === 'string' ? { issuer: check.issuer } : {}),
    });
    if (typeof check.issuer === 'function' && !check.issuer(payload.iss!, payload))
      throw new Error('unexpected issuer');
    if (payload.nonce !== check.nonce) throw new Error('nonce mismatch');
    return payload;
  } catch (err) {
    throw new FederationError('invalid_id_token', err);
  }
}
