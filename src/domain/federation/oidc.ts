import * as client from 'openid-client';
import {
  FederationError,
  timedFetch,
  type Ceremony,
  type ProviderAdapter,
  type ProviderConfig,
} from './provider';

/**
 * Any OpenID Connect issuer, through openid-client: discovery, the code flow with PKCE (S256)
 * and a nonce, and the ID token checked by the library in full: `iss`, `aud`, `exp`, `nonce`
 * and, with non-repudiation checks on, its signature against the issuer's JWKS (by default
 * openid-client trusts a token read over TLS from the token endpoint; security.md wants it
 * verified regardless).
 */

/**
 * Discovery per isolate: the document and keys are the issuer's public metadata, so a copy is
 * a cache, not state; a failed discovery is not kept.
 */
const configs = new Map<string, Promise<client.Configuration>>();

function configOf(p: ProviderConfig, development: boolean): Promise<client.Configuration> {
  const key = `${p.id} ${p.issuer} ${p.client_id}`;
  let config = configs.get(key);
  if (!config) {
    const execute = [client.enableNonRepudiationChecks];
    // Only reachable in development: config refuses http:// issuers elsewhere.
    if (development && p.issuer!.startsWith('http:')) execute.push(client.allowInsecureRequests);
    const auth = p.client_secret ? client.ClientSecretPost(p.client_secret) : client.None();
    config = client.discovery(new URL(p.issuer!), p.client_id, p.client_secret, auth, {
      execute,
      [client.customFetch]: timedFetch,
    });
    config.catch(() => configs.delete(key));
    configs.set(key, config);
  }
  return config;
}

/** openid-client's codes for a JWT that failed a check (claims, times, signature, shape). */
const ID_TOKEN_FAILURES = new Set([
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_JWS_SIGNATURE_VERIFICATION_FAILED',
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_KEY_SELECTION_FAILED',
  'OAUTH_UNSUPPORTED_OPERATION',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
]);

const codeOf = (err: unknown): string | undefined => {
  for (let e = err; e instanceof Error; e = e.cause as Error) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && ID_TOKEN_FAILURES.has(code)) return code;
  }
  return undefined;
};

export function oidcAdapter(p: ProviderConfig, development: boolean): ProviderAdapter {
  const scope = (p.scopes ?? ['openid', 'email', 'profile']).join(' ');
  return {
    async authorizationUrl(c: Ceremony) {
      const config = await configOf(p, development).catch((err: unknown) => {
        throw new FederationError('provider_error', err);
      });
      return client.buildAuthorizationUrl(config, {
        redirect_uri: c.redirectUri,
        scope,
        state: c.state,
        nonce: c.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(c.verifier),
        code_challenge_method: 'S256',
      });
    },
    async finish(c: Ceremony, params: URLSearchParams) {
      try {
        const config = await configOf(p, development);
        const current = new URL(c.redirectUri);
        current.search = params.toString();
        const tokens = await client.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: c.verifier,
          expectedState: c.state,
          expectedNonce: c.nonce,
          idTokenExpected: true,
        });
        const idToken = tokens.claims();
        if (!idToken) throw new FederationError('invalid_id_token');
        // OIDC Core §5.4: an issuer may put the scope's claims in userinfo only (oidc-provider
        // does by default); userinfo's `sub` must be the ID token's (checked by the library).
        const claims =
          typeof idToken.email === 'string' || !config.serverMetadata().userinfo_endpoint
            ? idToken
            : {
                ...(await client.fetchUserInfo(config, tokens.access_token, idToken.sub)),
                ...idToken,
              };
        const email = typeof claims.email === 'string' ? claims.email : null;
        return {
          subject: idToken.sub,
          email,
          emailVerified: email !== null && claims.email_verified === true,
          amr: Array.isArray(idToken.amr) ? idToken.amr.filter((a) => typeof a === 'string') : [],
        };
      } catch (err) {
        if (err instanceof FederationError) throw err;
        throw new FederationError(codeOf(err) ? 'invalid_id_token' : 'provider_error', err);
      }
    },
  };
}
