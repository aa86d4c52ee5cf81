import type { OAuthProviderConfig } from '../../lib/oauth-config';

/**
 * What every provider adapter does, whatever its protocol (openid-client for any OIDC issuer,
 * arctic for the named ones): build the authorization URL for a state, nonce and PKCE verifier,
 * and turn the callback into a verified profile.
 */
export interface ProviderProfile {
  /** The provider's stable subject: the identity's key (never its email). */
  subject: string;
  email: string | null;
  /** Whether the provider vouches that `email` belongs to this subject. */
  emailVerified: boolean;
  /** The provider's `amr` (RFC 8176), when it says how it authenticated the user. */
  amr: string[];
}

export interface Ceremony {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
}

export interface ProviderAdapter {
  authorizationUrl(ceremony: Ceremony): Promise<URL>;
  /** `params`: every parameter of the callback (query or form_post body). */
  finish(ceremony: Ceremony, params: URLSearchParams): Promise<ProviderProfile>;
}

/**
 * A failed callback, as the `error` the browser is sent back with: `invalid_id_token` for any
 * ID token that does not verify in full, `provider_error` when the provider refused or failed.
 */
export class FederationError extends Error {
  constructor(
    readonly code: 'invalid_id_token' | 'provider_error',
    cause?: unknown,
  ) {
    super(code, { cause });
    this.name = 'FederationError';
  }
}

/** Every outbound call has a timeout (security.md "Outbound URLs"). */
const OUTBOUND_TIMEOUT_MS = 10_000;

export const timedFetch = (input: string | URL | Request, init?: RequestInit) =>
  fetch(input, { ...init, signal: AbortSignal.timeout(OUTBOUND_TIMEOUT_MS) });

export type ProviderConfig = OAuthProviderConfig;
