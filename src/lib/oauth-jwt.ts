import { errors, jwtVerify, SignJWT, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { ApiError } from './errors';
import { INVALID_TOKEN_CHALLENGE } from './jwt';
import { CLOCK_TOLERANCE_S, signerAt, verifierAt, type SigningKeys } from './signing-keys';

/**
 * The identity provider's tokens. Access tokens are RFC 9068 JWTs (`typ` at+jwt) signed with
 * the access-token keys, but for another audience (the client, or the RFC 8707 resource) and
 * with `client_id` and `scope` instead of `email` and `roles`: this API's own check
 * (lib/jwt.ts) refuses them (audience, missing claims), and userinfo refuses this API's.
 * ID tokens are signed with the RS256 keys (JWT_RSA_SIGNING_KEYS) unless the client asked for
 * EdDSA, or no RSA key is configured.
 */

const AT_TYP = 'at+jwt';

export interface OAuthAccessClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  client_id: string;
  scope: string;
  jti: string;
  iat: number;
  exp: number;
  /** The user's grant session (absent for client_credentials). */
  sid?: string;
}

function signerOf(keys: SigningKeys, now: number) {
  const signer = signerAt(keys, now);
  if (!signer) throw new ApiError('DEPENDENCY_UNAVAILABLE', 'No signing key is active');
  return signer;
}

/** Signs an access token for a grant (`sid`) or a client (client_credentials). */
export async function signOAuthAccessToken(
  keys: SigningKeys,
  claims: Omit<OAuthAccessClaims, 'jti' | 'iat' | 'exp'>,
  ttlSeconds: number,
  now: number,
): Promise<string> {
  const signer = signerOf(keys, now);
  const iat = Math.floor(now / 1000);
  const { iss, sub, aud, ...rest } = claims;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: AT_TYP })
    .setIssuer(iss)
    .setSubject(sub)
    .setAudience(aud)
    .setJti(crypto.randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(signer.privateKey!);
}

/** An ID token (OpenID Connect Core §2): `claims` hold aud, nonce, auth_time and the rest. */
export async function signIdToken(
  keys: SigningKeys,
  claims: JWTPayload & { iss: string; sub: string; aud: string },
  ttlSeconds: number,
  now: number,
): Promise<string> {
  const signer = signerOf(keys, now);
  const iat = Math.floor(now / 1000);
  return new SignJWT({ ...claims, iat, exp: iat + ttlSeconds })
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'JWT' })
    .sign(signer.privateKey!);
}

/**
 * Checks an access token this provider issued: signature (the key by `kid`, its algorithm
 * pinned), `typ`, issuer, lifetime, `client_id` and `scope`. Any audience: the caller decides
 * what the audience must be (userinfo: any client's; introspection reports it).
 */
export async function verifyOAuthAccessToken(
  keys: SigningKeys,
  issuer: string,
  token: string,
  now: number,
): Promise<OAuthAccessClaims> {
  const resolveKey = (header: JWTHeaderParameters) => {
    const entry = header.kid === undefined ? undefined : verifierAt(keys, header.kid, now);
    if (!entry || entry.alg !== header.alg) throw new errors.JWKSNoMatchingKey();
    return entry.verifyKey;
  };
  try {
    const { payload } = await jwtVerify(token, resolveKey, {
      issuer,
      algorithms: ['EdDSA', 'ES256'],
      typ: AT_TYP,
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(now),
      requiredClaims: ['iss', 'aud', 'sub', 'jti', 'iat', 'exp', 'client_id', 'scope'],
    });
    if (typeof payload.client_id !== 'string' || typeof payload.scope !== 'string') {
      throw new ApiError('INVALID_TOKEN', 'Token claims are malformed', INVALID_TOKEN_CHALLENGE);
    }
    return payload as unknown as OAuthAccessClaims;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof errors.JWTExpired) {
      throw new ApiError('TOKEN_EXPIRED', 'Access token has expired', INVALID_TOKEN_CHALLENGE);
    }
    throw new ApiError('INVALID_TOKEN', 'Access token is invalid', INVALID_TOKEN_CHALLENGE);
  }
}
