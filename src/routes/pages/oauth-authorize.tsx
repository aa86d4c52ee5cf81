/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import type { AuthorizeRequest, Decision } from '../../domain/oauth/authorize';
import { pageSession } from './page-session';
import { Layout } from './pages.layout';
import { html, nonce, readForm, Text, type C } from './pages.shared';
import { MessagePage, withReturn } from './pages.views';

/**
 * GET /oauth/authorize, the identity provider's authorization endpoint, as a hosted page: the
 * request is checked (domain/oauth/authorize.ts); a signed-out user goes to the sign-in page,
 * which comes back here; a signed-in one sees the consent page unless they have granted these
 * scopes to this client before; then the browser goes back to the client with a code. The
 * consent form posts here (same-origin only, as every page form).
 */

// Loaded with the page: the identity provider's logic stays out of the other pages' start-up.
const domain = () => import('../../domain/oauth/authorize');

/** What each scope lets the app do, in the user's words. */
const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Stay signed in (keep access while you are away)',
  organizations: 'See your organizations and your role in each',
};

/** The request's parameters as the consent form carries them back. */
const FIELDS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'max_age',
  'resource',
] as const;

const ConsentPage: FC<{ nonce?: string; request: AuthorizeRequest; params: Params }> = (p) => (
  <Layout title={`${p.request.client.name} wants to use your account`} nonce={p.nonce}>
    {p.request.client.logoUri ? (
      <p>
        <img src={p.request.client.logoUri} alt="" height={48} />
      </p>
    ) : null}
    <p>
      <strong>{p.request.client.name}</strong> is asking to:
    </p>
    <ul>
      {p.request.scopes.map((s) => (
        <li>{SCOPE_TEXT[s] ?? `Use ${s}`}</li>
      ))}
    </ul>
    <p class="hint">{`You will be sent back to ${new URL(p.request.redirectUri).origin}.`}</p>
    <form method="post" action="/oauth/authorize">
      {FIELDS.map((name) =>
        p.params[name] === undefined ? null : (
          <input type="hidden" name={name} value={p.params[name]} />
        ),
      )}
      <button type="submit" name="decision" value="allow">
        Allow
      </button>
      <button type="submit" name="decision" value="deny" class="secondary">
        Deny
      </button>
    </form>
  </Layout>
);

type Params = Record<string, string | undefined>;

const refused = (c: C, message: string) =>
  html(
    c,
    <MessagePage nonce={nonce(c)} title="This sign-in cannot continue" message={message} />,
    400,
  );

/**
 * To the sign-in page, which comes back to this request. After `prompt=login` (or a sign-in
 * older than `max_age`) it comes back asking for a sign-in of the last minute instead, so a
 * fresh sign-in satisfies it and it does not loop.
 */
function toSignIn(c: C, params: Params, decision: Extract<Decision, { kind: 'sign_in' }>) {
  const back = new URL('/oauth/authorize', c.var.config.JWT_ISSUER);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) back.searchParams.set(k, v);
  if (decision.maxAge !== undefined) {
    const prompt = (params.prompt ?? '').split(' ').filter((x) => x && x !== 'login');
    if (prompt.length) back.searchParams.set('prompt', prompt.join(' '));
    else back.searchParams.delete('prompt');
    back.searchParams.set('max_age', String(decision.maxAge));
  }
  return c.redirect(withReturn('/login', back.href), 302);
}

const signedOf = (session: Awaited<ReturnType<typeof pageSession>>) =>
  session && {
    userId: session.userId,
    sessionId: session.sessionId,
    amr: session.claims.amr ?? ['pwd'],
  };

/** GET /oauth/authorize */
export const authorizePage = async (c: C) => {
  const { parseAuthorizeRequest, decide } = await domain();
  const params: Params = c.req.query();
  const parsed = await parseAuthorizeRequest(c.var.deps, params);
  if (parsed.kind === 'page') return refused(c, parsed.message);
  if (parsed.kind === 'redirect') return c.redirect(parsed.to, 302);
  const signed = signedOf(await pageSession(c));
  const decision = await decide(c.var.deps, parsed.request, signed);
  if (decision.kind === 'sign_in') return toSignIn(c, params, decision);
  if (decision.kind === 'redirect') return c.redirect(decision.to, 302);
  c.set('clientRedirect', parsed.request.redirectUri);
  return html(c, <ConsentPage nonce={nonce(c)} request={parsed.request} params={params} />);
};

const optional = (max: number) => Text(max).optional();

/** POST /oauth/authorize: the consent form's answer. */
export const consentPost = async (c: C) => {
  const form = await readForm(c, {
    client_id: Text(64),
    redirect_uri: Text(2048),
    response_type: Text(32),
    scope: Text(2048),
    state: optional(2048),
    nonce: optional(512),
    code_challenge: Text(128),
    code_challenge_method: Text(16),
    max_age: optional(16),
    resource: optional(2048),
    decision: Text(8),
  });
  const { decision, ...params } = form;
  const { parseAuthorizeRequest, grantConsent, deniedRedirect } = await domain();
  const parsed = await parseAuthorizeRequest(c.var.deps, params);
  if (parsed.kind === 'page') return refused(c, parsed.message);
  if (parsed.kind === 'redirect') return c.redirect(parsed.to, 303);
  const signed = signedOf(await pageSession(c));
  if (!signed) return toSignIn(c, params, { kind: 'sign_in' });
  if (decision !== 'allow') return c.redirect(deniedRedirect(c.var.deps, parsed.request), 303);
  return c.redirect(await grantConsent(c.var.deps, parsed.request, signed), 303);
};
