import { findOAuthClient } from '../../db/queries/oauth-clients';
import { sha256, timingSafeEqual } from '../../lib/crypto';
import { ApiError } from '../../lib/errors';
import type { Deps } from '../deps';
import type { OAuthClient } from './clients';

/** What a request to the token, revocation or introspection endpoint says about its client. */
export interface ClientCredentials {
  /** From `Authorization: Basic` (client_secret_basic). */
  basic?: { id: string; secret: string };
  /** From the form body (client_secret_post, or `none` with client_id alone). */
  clientId?: string;
  clientSecret?: string;
}

/** RFC 6749 §2.3.1: the Basic credentials are form-encoded before base64. */
export function parseBasic(header: string | undefined): ClientCredentials['basic'] {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header?.trim() ?? '');
  if (!match) return undefined;
  let decoded: string;
  try {
    decoded = atob(match[1]!);
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

const invalidClient = (basic: boolean) =>
  new ApiError('OAUTH_INVALID_CLIENT', 'Client authentication failed', {
    headers: basic ? { 'WWW-Authenticate': 'Basic realm="oauth"' } : {},
  });

/**
 * The client, authenticated the one way it registered: client_secret_basic, client_secret_post
 * or none (a public client, which only names itself: PKCE or the token itself stands for it).
 * One method per request (RFC 6749 §2.3); anything else is invalid_client (401).
 */
export async function authenticateClient(
  deps: Pick<Deps, 'db'>,
  creds: ClientCredentials,
): Promise<OAuthClient> {
  const basic = creds.basic !== undefined;
  if (
    basic &&
    (creds.clientSecret !== undefined || (creds.clientId && creds.clientId !== creds.basic!.id))
  ) {
    throw new ApiError('OAUTH_INVALID_REQUEST', 'Use one client authentication method');
  }
  const id = creds.basic?.id ?? creds.clientId;
  const secret = creds.basic?.secret ?? creds.clientSecret;
  const method = basic
    ? 'client_secret_basic'
    : secret !== undefined
      ? 'client_secret_post'
      : 'none';
  if (!id || id.length > 64) throw invalidClient(basic);
  const client = await findOAuthClient(deps.db, id);
  if (!client || client.tokenEndpointAuthMethod !== method) throw invalidClient(basic);
  if (method !== 'none') {
    const presented = await sha256(secret!);
    if (!client.secretHash || !timingSafeEqual(presented, client.secretHash)) {
      throw invalidClient(basic);
    }
  }
  return client;
}
