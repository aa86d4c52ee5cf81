import { findSignInSubject } from '../../db/queries/users';
import { base64url, randomToken, timingSafeEqual } from '../../lib/crypto';
import { ApiError } from '../../lib/errors';
import type { OAuthProviderConfig } from '../../lib/oauth-config';
import { safeReturnTo } from '../../lib/return-to';
import { requireSigningKeys } from '../../lib/secrets';
import { DEVELOPMENT_ENVIRONMENTS } from '../../config';
import { keepChallenge, takeChallenge } from '../challenges';
import type { Deps } from '../deps';
import { methodChoices } from '../factors/enrolment';
import { adapterFor, displayName } from '../federation/adapters';
import { linkToUser, resolveAccount } from '../federation/accounts';
import { FederationError, type Ceremony } from '../federation/provider';
import { clearLoginFailures } from '../limits';
import { finishSignIn, type SignInResult } from './finish';
import { openChallenge } from './second-factor';

/**
 * Social and enterprise sign-in (api.md "Social and enterprise sign-in", security.md
 * "Federation"). authorize keeps the ceremony (state, nonce, PKCE verifier, return_to, the
 * frontend's code_challenge) in the ChallengeStore under the state, single use, 10 minutes; the
 * callback takes it, has the adapter verify the provider's answer, picks the account
 * (federation/accounts.ts) and sends the browser back with a `login_code`: single use, 60 s,
 * bound to the frontend's code_challenge, so a code read from a URL or a log is useless without
 * the verifier only that frontend holds. The exchange ends like every way in: finishSignIn with
 * amr ["fed"], or the account's second step.
 */
const STATE_TTL_MS = 10 * 60_000;
const LOGIN_CODE_TTL_MS = 60_000;
const STATE = 'oauth-state';
const LOGIN_CODE = 'oauth-login';

interface StoredCeremony {
  provider: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  codeChallenge: string | null;
  /** Set when a signed-in user links this identity instead of signing in. */
  linkUserId: string | null;
}

interface StoredLogin {
  userId: string;
  codeChallenge: string | null;
  /** The provider asserted MFA and the deployment trusts it (trust_provider_mfa). */
  providerMfa: boolean;
  verifiedAt: number;
}

export const listProviders = (config: Deps['config']) =>
  config.OAUTH_PROVIDERS.map((p) => ({ id: p.id, type: p.type, name: displayName(p) }));

function providerOf(deps: Pick<Deps, 'config'>, id: string): OAuthProviderConfig {
  const p = deps.config.OAUTH_PROVIDERS.find((candidate) => candidate.id === id);
  if (!p) throw new ApiError('NOT_FOUND', 'No such sign-in provider');
  return p;
}

const development = (deps: Pick<Deps, 'config'>) =>
  (DEVELOPMENT_ENVIRONMENTS as readonly string[]).includes(deps.config.ENVIRONMENT);

/** Where the provider sends the browser back: this worker's origin (JWT_ISSUER). */
export const redirectUriOf = (deps: Pick<Deps, 'config'>, id: string) =>
  new URL(`/auth/oauth/${id}/callback`, deps.config.JWT_ISSUER).href;

/**
 * return_to when allowlisted (as for the hosted pages), else the default page: APP_URL. The
 * hosted sign-in page's own return route (/login/federated on this origin) is allowed too.
 */
function returnTarget(deps: Pick<Deps, 'config'>, value: string | undefined) {
  const hosted = new URL('/login/federated', deps.config.JWT_ISSUER);
  if (value && value.length <= 2048 && URL.canParse(value)) {
    const url = new URL(value);
    if (url.origin === hosted.origin && url.pathname === hosted.pathname) return url.href;
  }
  return safeReturnTo(deps.config, value) ?? new URL(deps.config.APP_URL).href;
}

/** The provider's authorization URL for a new ceremony (sign-in, or a link for `linkUserId`). */
export async function startFederated(
  deps: Deps,
  input: { provider: string; returnTo?: string; codeChallenge?: string; linkUserId?: string },
): Promise<URL> {
  const p = providerOf(deps, input.provider);
  const ceremony: Ceremony = {
    state: randomToken(32),
    nonce: randomToken(32),
    verifier: randomToken(32),
    redirectUri: redirectUriOf(deps, p.id),
  };
  const stored: StoredCeremony = {
    provider: p.id,
    nonce: ceremony.nonce,
    verifier: ceremony.verifier,
    returnTo: returnTarget(deps, input.returnTo),
    codeChallenge: input.codeChallenge ?? null,
    linkUserId: input.linkUserId ?? null,
  };
  const adapter = await adapterFor(p, development(deps), ceremony.redirectUri);
  const [url] = await Promise.all([
    adapter.authorizationUrl(ceremony).catch((err: unknown) => {
      deps.logger.error('oauth authorize failed', { provider: p.id, error: err });
      throw new ApiError('DEPENDENCY_UNAVAILABLE', 'The sign-in provider is unavailable');
    }),
    keepChallenge(deps, STATE, ceremony.state, stored, STATE_TTL_MS),
  ]);
  return url;
}

const withParams = (target: string, params: Record<string, string>) => {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
};

/**
 * The provider's answer (query, or Apple's form_post body) → where the browser goes: return_to
 * with `login_code`, `linked`, or `error`. Never throws for bad input: a missing, unknown or
 * used state is `error=invalid_state` on the default page; a provider's own `error` passes
 * through to the ceremony's return_to.
 */
export async function finishFederated(
  deps: Deps,
  providerId: string,
  params: URLSearchParams,
): Promise<string> {
  const fallback = new URL(deps.config.APP_URL).href;
  const state = params.get('state');
  const stored =
    state && state.length <= 128 ? await takeChallenge<StoredCeremony>(deps, STATE, state) : null;
  if (!stored || stored.provider !== providerId)
    return withParams(fallback, { error: 'invalid_state' });
  const fail = (error: string) => withParams(stored.returnTo, { error });
  const providerError = params.get('error');
  if (providerError)
    return fail(/^[\w.-]{1,64}$/.test(providerError) ? providerError : 'provider_error');
  const p = providerOf(deps, providerId);
  const ceremony = { ...stored, state: state!, redirectUri: redirectUriOf(deps, p.id) };
  let profile;
  try {
    const adapter = await adapterFor(p, development(deps), ceremony.redirectUri);
    profile = await adapter.finish(ceremony, params);
  } catch (err) {
    deps.logger.warn('oauth callback refused', {
      provider: p.id,
      error: err instanceof FederationError && err.cause !== undefined ? err.cause : err,
    });
    return fail(err instanceof FederationError ? err.code : 'provider_error');
  }
  if (stored.linkUserId) {
    const linked = await linkToUser(deps, stored.linkUserId, p.id, profile);
    return linked.ok ? withParams(stored.returnTo, { linked: p.id }) : fail(linked.error);
  }
  const account = await resolveAccount(deps, p.id, profile);
  if (!account.ok) return fail(account.error);
  const loginCode = randomToken(32);
  const login: StoredLogin = {
    userId: account.userId,
    codeChallenge: stored.codeChallenge,
    providerMfa: p.trust_provider_mfa && profile.amr.includes('mfa'),
    verifiedAt: deps.now(),
  };
  await keepChallenge(deps, LOGIN_CODE, loginCode, login, LOGIN_CODE_TTL_MS);
  return withParams(stored.returnTo, { login_code: loginCode });
}

const S256 = async (verifier: string) =>
  base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );

const deadCode = () => new ApiError('INVALID_TOKEN', 'This login code is invalid, used or expired');

/**
 * The login_code → a session (amr ["fed"]) or the account's second step. Of parallel exchanges
 * of one code exactly one gets it (the ChallengeStore's take is single use); a wrong or missing
 * code_verifier uses the code up too, so it cannot be guessed at.
 */
export async function exchangeLoginCode(
  deps: Deps,
  input: { loginCode: string; codeVerifier?: string },
): Promise<SignInResult> {
  requireSigningKeys(deps.secrets);
  const [login] = await Promise.all([
    takeChallenge<StoredLogin>(deps, LOGIN_CODE, input.loginCode),
    deps.admitted(),
  ]);
  if (!login) throw deadCode();
  if (login.codeChallenge !== null) {
    if (!input.codeVerifier) throw deadCode();
    if (!timingSafeEqual(await S256(input.codeVerifier), login.codeChallenge)) throw deadCode();
  }
  const found = await findSignInSubject(deps.db, { id: login.userId });
  if (!found) throw deadCode();
  const { user, roles } = found;
  if (user.status === 'suspended')
    throw new ApiError('ACCOUNT_SUSPENDED', 'This account is suspended');
  const verifiedAt = login.verifiedAt;
  const methods = methodChoices(found.methods);
  if (methods.length > 0 && !login.providerMfa) {
    const mfaToken = await openChallenge(deps, user.id, { verifiedAt, amr: ['fed'] });
    return { kind: 'challenge', mfaToken, methods };
  }
  const attempt = {
    lockedNow: false,
    clear: () => clearLoginFailures(deps, user.email),
    release: () => Promise.resolve(),
  };
  const amr = login.providerMfa ? ['fed', 'mfa'] : ['fed'];
  const subject = { id: user.id, email: user.email, roles, rolesReadAt: verifiedAt, amr };
  const signedIn = await finishSignIn(deps, { subject, attempt, start: { verifiedAt } });
  return { kind: 'tokens', ...signedIn };
}
