import { membershipsOf } from '../../db/queries/oauth-grants';
import { findUserWithProfile } from '../../db/queries/users';
import { signIdToken, signOAuthAccessToken } from '../../lib/oauth-jwt';
import { requireSigningKeys } from '../../lib/secrets';
import type { Deps } from '../deps';
import type { OAuthClient } from './clients';

/** What the token endpoint answers (the HTTP edge writes it as RFC 6749 §5.1 JSON). */
export interface OAuthTokens {
  accessToken: string;
  expiresIn: number;
  scope: string;
  idToken?: string;
  refreshToken?: string;
}

type TokenDeps = Pick<Deps, 'config' | 'secrets' | 'db' | 'now'>;

export const issuerOf = (config: Pick<Deps['config'], 'JWT_ISSUER'>) =>
  config.JWT_ISSUER.replace(/\/+$/, '');

/** The access token's audience: the RFC 8707 resource, else the client itself. */
const audienceOf = (client: OAuthClient, resource: string | null) => resource ?? client.id;

/** The user's claims for the scopes granted (ID token and userinfo alike). */
export async function userClaims(deps: Pick<Deps, 'db'>, userId: string, scopes: string[]) {
  const want = new Set(scopes);
  const [row, orgs] = await Promise.all([
    findUserWithProfile(deps.db, userId),
    want.has('organizations') ? membershipsOf(deps.db, userId) : Promise.resolve([]),
  ]);
  if (!row || row.user.status !== 'active') return null;
  const { user, profile } = row;
  const name = [profile.firstName, profile.lastName].filter(Boolean).join(' ');
  return {
    sub: user.id,
    ...(want.has('email') && { email: user.email, email_verified: user.emailVerifiedAt !== null }),
    ...(want.has('profile') && {
      ...(name && { name }),
      ...(profile.firstName && { given_name: profile.firstName }),
      ...(profile.lastName && { family_name: profile.lastName }),
      ...(profile.username && { preferred_username: profile.username }),
    }),
    ...(want.has('organizations') && { organizations: orgs }),
  };
}

/**
 * The tokens of a user's grant: an access token bound to the grant's session (`sid`, so ending
 * the session ends it), the ID token when `openid` was granted (RS256 unless the client asked
 * for EdDSA or no RSA key is configured), and the refresh token when one is given.
 */
export async function tokensForUser(
  deps: TokenDeps,
  grant: {
    client: OAuthClient;
    userId: string;
    sessionId: string;
    scopes: string[];
    resource: string | null;
    refreshToken?: string;
    /**
     * For the ID token. At the code exchange: the request's nonce and the sign-in's time. On
     * refresh (OpenID Connect Core 12.2): no nonce, and the original sign-in's time.
     */
    id?: { nonce: string | null; authTime: number; amr: string[] | null };
  },
): Promise<OAuthTokens | null> {
  const now = deps.now();
  const ttl = deps.config.ACCESS_TOKEN_TTL_SECONDS;
  const iss = issuerOf(deps.config);
  const { client, scopes } = grant;
  const claims = await userClaims(deps, grant.userId, scopes);
  if (!claims) return null;
  const scope = scopes.join(' ');
  const accessToken = await signOAuthAccessToken(
    requireSigningKeys(deps.secrets),
    {
      iss,
      sub: grant.userId,
      aud: audienceOf(client, grant.resource),
      client_id: client.id,
      scope,
      sid: grant.sessionId,
    },
    ttl,
    now,
  );
  let idToken: string | undefined;
  if (grant.id && scopes.includes('openid')) {
    const rsa = deps.secrets.rsaSigning.keys;
    const keys = client.idTokenAlg === 'RS256' && rsa ? rsa : requireSigningKeys(deps.secrets);
    idToken = await signIdToken(
      keys,
      {
        ...claims,
        iss,
        aud: client.id,
        azp: client.id,
        sid: grant.sessionId,
        auth_time: Math.floor(grant.id.authTime / 1000),
        ...(grant.id.nonce && { nonce: grant.id.nonce }),
        ...(grant.id.amr && { amr: grant.id.amr }),
      },
      ttl,
      now,
    );
  }
  return {
    accessToken,
    expiresIn: ttl,
    scope,
    ...(idToken && { idToken }),
    ...(grant.refreshToken && { refreshToken: grant.refreshToken }),
  };
}

/** client_credentials: a token for the client itself (no user, no session, no refresh). */
export async function tokensForClient(
  deps: TokenDeps,
  client: OAuthClient,
  scopes: string[],
  resource: string | null,
): Promise<OAuthTokens> {
  const ttl = deps.config.ACCESS_TOKEN_TTL_SECONDS;
  const scope = scopes.join(' ');
  const accessToken = await signOAuthAccessToken(
    requireSigningKeys(deps.secrets),
    {
      iss: issuerOf(deps.config),
      sub: client.id,
      aud: audienceOf(client, resource),
      client_id: client.id,
      scope,
    },
    ttl,
    deps.now(),
  );
  return { accessToken, expiresIn: ttl, scope };
}
