import { ApiError } from '../../lib/errors';
import type { Deps } from '../deps';
import { createClient, type ClientInput } from './clients';
import { BUILTIN_SCOPES } from './discovery';

/**
 * RFC 7591 dynamic registration (POST /oauth/register), when OAUTH_DYNAMIC_REGISTRATION is
 * true (404 otherwise: the endpoint does not exist). A self-registered client gets less than
 * an admin's: the code flow only (no client_credentials) and the built-in scopes only, so
 * registering never reaches an admin-registered API scope.
 */
export async function registerClient(
  deps: Pick<Deps, 'db' | 'events' | 'now' | 'config'>,
  input: ClientInput,
) {
  if (!deps.config.OAUTH_DYNAMIC_REGISTRATION) {
    throw new ApiError('NOT_FOUND', 'Dynamic client registration is not enabled');
  }
  const invalid = (why: string) => new ApiError('OAUTH_INVALID_CLIENT_METADATA', why);
  if (input.grantTypes.some((g) => g === 'client_credentials')) {
    throw invalid('client_credentials is for admin-registered clients');
  }
  if (input.scopes.some((s) => !BUILTIN_SCOPES.includes(s))) {
    throw invalid(`scope may hold ${BUILTIN_SCOPES.join(' ')}`);
  }
  if (input.redirectUris.length === 0) throw invalid('redirect_uris is required');
  return createClient(deps, null, input);
}
