import type { ReadyConfig } from '../../config';
import type { Secrets } from '../../lib/secrets';

/** The scopes every deployment knows (api.md); admins register more per client. */
export const BUILTIN_SCOPES = ['openid', 'profile', 'email', 'offline_access', 'organizations'];

/** The grants /oauth/token serves. */
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** How a client proves itself at the token endpoint; `none` is a public client (PKCE alone). */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** The ID token's algorithms: RS256 when an RSA key is configured (Discovery requires it). */
const idTokenAlgs = (secrets: Pick<Secrets, 'rsaSigning'>): ('RS256' | 'EdDSA')[] =>
  secrets.rsaSigning.keys ? ['RS256', 'EdDSA'] : ['EdDSA'];

/** The endpoints, all under the issuer (JWT_ISSUER is this worker's public URL). */
function endpointsOf(config: Pick<ReadyConfig, 'JWT_ISSUER'>) {
  const base = config.JWT_ISSUER.replace(/\/+$/, '');
  return {
    issuer: base,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    userinfo_endpoint: `${base}/oauth/userinfo`,
    revocation_endpoint: `${base}/oauth/revoke`,
    introspection_endpoint: `${base}/oauth/introspect`,
    jwks_uri: `${base}/.well-known/jwks.json`,
  };
}

/**
 * The authorization server's metadata: OpenID Connect Discovery 1.0 and RFC 8414 alike (one
 * document; RFC 8414 §3 lets the OpenID fields stand). `authorization_response_iss_parameter_supported`:
 * every redirect carries `iss` (RFC 9207), so a client talking to several servers cannot be
 * sent another server's code.
 */
export function serverMetadata(
  config: Pick<ReadyConfig, 'JWT_ISSUER' | 'OAUTH_DYNAMIC_REGISTRATION'>,
  secrets: Pick<Secrets, 'rsaSigning'>,
) {
  const endpoints = endpointsOf(config);
  return {
    ...endpoints,
    ...(config.OAUTH_DYNAMIC_REGISTRATION && {
      registration_endpoint: `${endpoints.issuer}/oauth/register`,
    }),
    scopes_supported: BUILTIN_SCOPES,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...GRANT_TYPES],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: idTokenAlgs(secrets),
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    prompt_values_supported: ['none', 'login', 'consent'],
    claims_supported: [
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'amr',
      'email',
      'email_verified',
      'name',
      'organizations',
    ],
    authorization_response_iss_parameter_supported: true,
  };
}

/** RFC 9728: this worker as a protected resource (userinfo), for MCP clients that look here. */
export function protectedResourceMetadata(config: Pick<ReadyConfig, 'JWT_ISSUER'>) {
  const { issuer } = endpointsOf(config);
  return {
    resource: issuer,
    authorization_servers: [issuer],
    scopes_supported: BUILTIN_SCOPES,
    bearer_methods_supported: ['header'],
  };
}
