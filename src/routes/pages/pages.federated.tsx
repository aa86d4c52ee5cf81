import type { FC } from 'hono/jsx';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { base64url, randomToken } from '../../lib/crypto';
import { afterFirstStep } from './pages.handlers';
import { html, nonce, orProblem, returnToOf, type C } from './pages.shared';
import { LoginPage, type Problem } from './pages.views';

/**
 * Social sign-in on the hosted pages. A button is a plain link to /login/federated/start, which
 * keeps a PKCE verifier in a short HttpOnly cookie of this browser and sends it on to the
 * provider's authorize route with its S256 challenge and return_to /login/federated; there the
 * login_code is exchanged server-side with that verifier, so a login_code another browser
 * started (someone else's sign-in, pushed to a victim: login CSRF) does not sign this one in.
 * The cookie binds the browser; the ceremony's state and nonce stay in the ChallengeStore.
 */
const VERIFIER_COOKIE = '__Host-federated';
const VERIFIER_TTL_S = 600;

let domain: Promise<typeof import('../../domain/sign-in/federated')> | undefined;
const federated = () => (domain ??= import('../../domain/sign-in/federated'));

const S256 = async (verifier: string) =>
  base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );

/** The sign-in page's buttons, one per configured provider (none: nothing). */
const ProviderButtons: FC<{
  providers: { id: string; name: string }[];
  returnTo: string | null;
}> = (p) =>
  p.providers.length === 0 ? null : (
    <div class="links" aria-label="Other ways to sign in">
      {p.providers.map((provider) => (
        <a
          class="button"
          href={`/login/federated/start?provider=${encodeURIComponent(provider.id)}${
            p.returnTo ? `&return_to=${encodeURIComponent(p.returnTo)}` : ''
          }`}
        >
          Continue with {provider.name}
        </a>
      ))}
    </div>
  );

/** The providers for the buttons. */
export const providerButtons = async (c: C, returnTo: string | null) => {
  if (c.var.config.OAUTH_PROVIDERS.length === 0) return null;
  const { listProviders } = await federated();
  return <ProviderButtons providers={listProviders(c.var.config)} returnTo={returnTo} />;
};

/**
 * The account page's list of linked providers (linking and unlinking are the JSON routes'
 * /auth/identities, which need re-authentication). Nothing when no provider is configured.
 */
export async function identitiesPanel(c: C, userId: string) {
  if (c.var.config.OAUTH_PROVIDERS.length === 0) return null;
  const [{ listUserIdentities }, { listProviders }] = await Promise.all([
    import('../../domain/federation/accounts'),
    federated(),
  ]);
  const names = new Map(listProviders(c.var.config).map((p) => [p.id, p.name]));
  const rows = await listUserIdentities(c.var.deps, userId);
  return (
    <>
      <h2>Sign-in providers</h2>
      {rows.length === 0 ? <p class="hint">No provider linked.</p> : null}
      <ul class="identities">
        {rows.map((r) => (
          <li>
            <strong>{names.get(r.provider) ?? r.provider}</strong>
            <p class="hint">{`${r.email ?? 'no email'} · linked ${r.createdAt.toISOString().slice(0, 10)}`}</p>
          </li>
        ))}
      </ul>
    </>
  );
}

/** GET /login/federated/start?provider=&return_to= → the provider. */
export const federatedStart = async (c: C) => {
  const returnTo = returnToOf(c, c.req.query('return_to'));
  const verifier = randomToken(32);
  setCookie(c, VERIFIER_COOKIE, verifier, {
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: VERIFIER_TTL_S,
  });
  const back = new URL('/login/federated', c.var.config.JWT_ISSUER);
  if (returnTo) back.searchParams.set('return_to', returnTo);
  const { startFederated } = await federated();
  const url = await startFederated(c.var.deps, {
    provider: c.req.query('provider') ?? '',
    returnTo: back.href,
    codeChallenge: await S256(verifier),
  });
  return c.redirect(url.href, 302);
};

const ERRORS: Record<string, string> = {
  access_denied: 'The sign-in was cancelled at the provider.',
  account_exists:
    'An account with this email already exists. Sign in with it, then link this provider from your account page.',
  invalid_state: 'This sign-in took too long or was already used. Start again.',
  invalid_id_token: 'The provider’s answer could not be verified. Start again.',
};

/** GET /login/federated?login_code= (or ?error=): signs this browser in, or says why not. */
export const federatedReturn = async (c: C) => {
  const returnTo = returnToOf(c, c.req.query('return_to'));
  const verifier = getCookie(c, VERIFIER_COOKIE);
  deleteCookie(c, VERIFIER_COOKIE, { path: '/', secure: true });
  const page = (problem: Problem) =>
    html(c, <LoginPage nonce={nonce(c)} problem={problem} returnTo={returnTo} />);
  const code = c.req.query('login_code');
  const error = c.req.query('error');
  if (!code || error) {
    const message = (error && ERRORS[error]) ?? 'That sign-in did not work. Try again.';
    const res = await page({ message });
    return new Response(res.body, { status: 400, headers: res.headers });
  }
  return orProblem(
    c,
    async () => {
      const { exchangeLoginCode } = await federated();
      const result = await exchangeLoginCode(c.var.deps, {
        loginCode: code,
        codeVerifier: verifier,
      });
      return afterFirstStep(c, result, returnTo);
    },
    page,
  );
};
