import * as q from '../../db/queries/oauth-clients';
import type { OAuthClient } from '../../db/schema';
import { sessionStore } from '../../durable-objects/session-store/object';
import { randomToken, sha256 } from '../../lib/crypto';
import { ApiError } from '../../lib/errors';
import type { Deps } from '../deps';
import type { ClientAuthMethod, GrantType } from './discovery';

export type { OAuthClient };

/** What an admin (or dynamic registration) sets on a client. */
export interface ClientInput {
  name: string;
  logoUri?: string | null;
  redirectUris: string[];
  grantTypes: GrantType[];
  scopes: string[];
  tokenEndpointAuthMethod: ClientAuthMethod;
  idTokenAlg: 'RS256' | 'EdDSA';
}

type ClientDeps = Pick<Deps, 'db' | 'events' | 'now'>;

const notFound = () => new ApiError('NOT_FOUND', 'OAuth client not found');

/**
 * The rules a client's settings must keep together (422): a public client (auth method none)
 * has no secret, so it cannot use client_credentials; refresh_token comes with
 * authorization_code; a code client needs a redirect URI.
 */
function checkCoherent(
  input: Pick<ClientInput, 'grantTypes' | 'tokenEndpointAuthMethod' | 'redirectUris'>,
) {
  const invalid = (field: string, message: string) =>
    new ApiError('VALIDATION_ERROR', 'Request validation failed', {
      errors: [{ field, message }],
    });
  const grants = new Set(input.grantTypes);
  if (input.tokenEndpointAuthMethod === 'none' && grants.has('client_credentials')) {
    throw invalid(
      'grant_types',
      'a public client (auth method none) cannot use client_credentials',
    );
  }
  if (grants.has('refresh_token') && !grants.has('authorization_code')) {
    throw invalid('grant_types', 'refresh_token needs authorization_code');
  }
  if (grants.has('authorization_code') && input.redirectUris.length === 0) {
    throw invalid('redirect_uris', 'authorization_code needs at least one redirect URI');
  }
}

/** A client secret: 256 random bits, shown once; only its SHA-256 is stored. */
const newSecret = () => `ocs_${randomToken(32)}`;

/** Registers a client; the secret (confidential clients only) is returned this once. */
export async function createClient(
  deps: ClientDeps,
  actorId: string | null,
  input: ClientInput,
): Promise<{ client: OAuthClient; secret: string | null }> {
  checkCoherent(input);
  const secret = input.tokenEndpointAuthMethod === 'none' ? null : newSecret();
  const at = new Date(deps.now());
  const client: OAuthClient = {
    id: `oc_${randomToken(16)}`,
    name: input.name,
    logoUri: input.logoUri ?? null,
    secretHash: secret ? await sha256(secret) : null,
    redirectUris: input.redirectUris,
    grantTypes: [...new Set(input.grantTypes)],
    scopes: [...new Set(input.scopes)],
    tokenEndpointAuthMethod: input.tokenEndpointAuthMethod,
    idTokenAlg: input.idTokenAlg,
    createdBy: actorId,
    createdAt: at,
    updatedAt: at,
  };
  const audit = deps.events.entry({
    type: 'oauth_client_changed',
    user_id: null,
    actor_id: actorId,
    metadata: { client_id: client.id, change: 'created' },
  });
  await q.insertOAuthClient(deps.db, client, audit);
  return { client, secret };
}

export async function getClient(deps: Pick<Deps, 'db'>, id: string): Promise<OAuthClient> {
  const client = await q.findOAuthClient(deps.db, id);
  if (!client) throw notFound();
  return client;
}

export const listClients = (deps: Pick<Deps, 'db'>) => q.listOAuthClients(deps.db);

/** Changes a client's settings; moving to or from a public client is refused (its secret). */
export async function updateClient(
  deps: ClientDeps,
  actorId: string,
  id: string,
  changes: Partial<ClientInput>,
): Promise<OAuthClient> {
  const current = await getClient(deps, id);
  const next = {
    grantTypes: changes.grantTypes ?? (current.grantTypes as GrantType[]),
    tokenEndpointAuthMethod: changes.tokenEndpointAuthMethod ?? current.tokenEndpointAuthMethod,
    redirectUris: changes.redirectUris ?? current.redirectUris,
  };
  checkCoherent(next);
  if ((next.tokenEndpointAuthMethod === 'none') !== (current.secretHash === null)) {
    throw new ApiError('VALIDATION_ERROR', 'Request validation failed', {
      errors: [
        {
          field: 'token_endpoint_auth_method',
          message: 'a client cannot change between public and confidential: register a new one',
        },
      ],
    });
  }
  const audit = deps.events.entry({
    type: 'oauth_client_changed',
    user_id: null,
    actor_id: actorId,
    metadata: { client_id: id, change: 'updated' },
  });
  const updated = await q.updateOAuthClient(
    deps.db,
    id,
    {
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.logoUri !== undefined && { logoUri: changes.logoUri }),
      ...(changes.scopes && { scopes: [...new Set(changes.scopes)] }),
      ...(changes.idTokenAlg && { idTokenAlg: changes.idTokenAlg }),
      grantTypes: [...new Set(next.grantTypes)],
      tokenEndpointAuthMethod: next.tokenEndpointAuthMethod,
      redirectUris: next.redirectUris,
      updatedAt: new Date(deps.now()),
    },
    audit,
  );
  if (!updated) throw notFound();
  return updated;
}

/**
 * Deletes a client: first the sessions its grants hold end (their refresh tokens die with
 * them), then the client with its codes, consents and grants.
 */
export async function deleteClient(
  deps: ClientDeps & Pick<Deps, 'sessions'>,
  actorId: string,
  id: string,
): Promise<void> {
  await getClient(deps, id);
  const held = await q.clientGrantSessions(deps.db, id);
  await Promise.all(
    held
      .filter((g) => g.userId && g.sessionId)
      .map((g) => sessionStore(deps.sessions, g.userId!).revoke(g.sessionId!)),
  );
  const audit = deps.events.entry({
    type: 'oauth_client_changed',
    user_id: null,
    actor_id: actorId,
    metadata: { client_id: id, change: 'deleted' },
  });
  if (!(await q.deleteOAuthClient(deps.db, id, audit))) throw notFound();
}
