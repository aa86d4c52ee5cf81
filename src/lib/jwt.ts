import { z } from 'zod';
import { errors, jwtVerify, SignJWT, type JWTHeaderParameters } from 'jose';
import { ApiError } from './errors';
import { CLOCK_TOLERANCE_S, signerAt, verifierAt, type SigningKeys } from './signing-keys';

/** RFC 9068 media type: tells an access token apart from every other token kind we issue. */
const ACCESS_TOKEN_TYP = 'at+jwt';
/** RFC 6750 §3: a 401 for a bad bearer token carries a challenge naming the error. */
export const INVALID_TOKEN_CHALLENGE = {
  headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
};

const AccessClaimsSchema = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.string().min(1),
  sid: z.string().min(1),
  jti: z.string().min(1),
  iat: z.number(),
  exp: z.number(),
  email: z.string(),
  roles: z.array(z.string()),
  /** RFC 8176 authentication methods, when more than the password was used (`["pwd","otp"]`). */
  amr: z.array(z.string()).optional(),
  /** RFC 8693 §4.1: the admin acting as `sub` (an impersonation session). */
  act: z.object({ sub: z.string().min(1) }).optional(),
});
export type AccessClaims = z.infer<typeof AccessClaimsSchema>;

export interface TokenAudience {
  issuer: string;
  audience: string;
}

/** The `iss` and `aud` this deployment issues and accepts (JWT_ISSUER, JWT_AUDIENCE). */
export const audienceOf = (config: {
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
}): TokenAudience => ({
  issuer: config.JWT_ISSUER,
  audience: config.JWT_AUDIENCE,
});

/** Signs a 15-minute (configurable) access token for a live session. */
export async function issueAccessToken(
  keys: SigningKeys,
  aud: TokenAudience,
  subject: {
    userId: string;
    sessionId: string;
    email: string;
    roles: string[];
    amr?: string[];
    act?: { sub: string };
  },
  ttlSeconds: number,
  now = Date.now(),
): Promise<{ token: string; expiresAt: number }> {
  const signer = signerAt(keys, now);
  if (!signer) throw new ApiError('DEPENDENCY_UNAVAILABLE', 'No signing key is active');
  const iat = Math.floor(now / 1000);
  const token = await new SignJWT({
    sid: subject.sessionId,
    email: subject.email,
    roles: subject.roles,
    ...(subject.amr && { amr: subject.amr }),
    ...(subject.act && { act: subject.act }),
  })
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: ACCESS_TOKEN_TYP })
    .setIssuer(aud.issuer)
    .setAudience(aud.audience)
    .setSubject(subject.userId)
    .setJti(crypto.randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(signer.privateKey!);
  return { token, expiresAt: (iat + ttlSeconds) * 1000 };
}

/**
 * Checks signature, `typ`, issuer, audience, lifetime and required claims. The key is the one
 * published under the token's `kid` at `now` (a retired key past its grace verifies nothing);
 * its algorithm is pinned per key (RFC 8725 §3.1), never taken from the token; `jwk`/`jku`/`x5u`
 * headers are ignored, so an unknown `kid` fails without any outbound request.
 */
export async function verifyAccessToken(
  keys: SigningKeys,
  aud: TokenAudience,
  token: string,
  now = Date.now(),
): Promise<AccessClaims> {
  const resolveKey = (header: JWTHeaderParameters) => {
    const entry = header.kid === undefined ? undefined : verifierAt(keys, header.kid, now);
    if (!entry || entry.alg !== header.alg) throw new errors.JWKSNoMatchingKey();
    return entry.verifyKey;
  };
  try {
    const { payload } = await jwtVerify(token, resolveKey, {
      issuer: aud.issuer,
      audience: aud.audience,
      algorithms: ['EdDSA', 'ES256'],
      typ: ACCESS_TOKEN_TYP,
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(now),
      requiredClaims: ['iss', 'aud', 'sub', 'sid', 'jti', 'iat', 'exp'],
    });
    const claims = AccessClaimsSchema.safeParse(payload);
    if (!claims.success) {
      throw new ApiError('INVALID_TOKEN', 'Token claims are malformed', INVALID_TOKEN_CHALLENGE);
    }
    return claims.data;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof errors.JWTExpired) {
      throw new ApiError('TOKEN_EXPIRED', 'Access token has expired', INVALID_TOKEN_CHALLENGE);
    }
    throw new ApiError('INVALID_TOKEN', 'Access token is invalid', INVALID_TOKEN_CHALLENGE);
  }
}
