import type { AppRouteHandler } from '../../http/app-env';
import { assertCookieRequestAllowed, NO_STORE } from '../../http/cookie-transport';
import { userOf } from '../../http/middleware/require-auth';
import type * as routes from './oauth.routes';
import { answerSignIn } from './sign-in.handlers';

/**
 * The federated sign-in's code (and openid-client, arctic, jose with it) is loaded by the first
 * /auth/oauth or /auth/identities request, not with the /auth group.
 */
let domain: Promise<typeof import('../../domain/sign-in/federated')> | undefined;
const federated = () => (domain ??= import('../../domain/sign-in/federated'));
let accounts: Promise<typeof import('../../domain/federation/accounts')> | undefined;
const identities = () => (accounts ??= import('../../domain/federation/accounts'));

const paramsOf = (values: Record<string, unknown>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (typeof v === 'string') params.set(k, v);
  return params;
};

export const oauthProviders: AppRouteHandler<typeof routes.oauthProviders> = async (c) => {
  const { listProviders } = await federated();
  return c.json({ items: listProviders(c.var.config) }, 200);
};

export const oauthAuthorize: AppRouteHandler<typeof routes.oauthAuthorize> = async (c) => {
  const { provider } = c.req.valid('param');
  const { return_to, code_challenge } = c.req.valid('query');
  const { startFederated } = await federated();
  const url = await startFederated(c.var.deps, {
    provider,
    returnTo: return_to,
    codeChallenge: code_challenge,
  });
  return c.redirect(url.href, 302);
};

export const oauthCallback: AppRouteHandler<typeof routes.oauthCallback> = async (c) => {
  const { provider } = c.req.valid('param');
  const { finishFederated } = await federated();
  const target = await finishFederated(c.var.deps, provider, paramsOf(c.req.valid('query')));
  return c.redirect(target, 302);
};

export const oauthCallbackPost: AppRouteHandler<typeof routes.oauthCallbackPost> = async (c) => {
  const { provider } = c.req.valid('param');
  const { finishFederated } = await federated();
  const target = await finishFederated(c.var.deps, provider, paramsOf(c.req.valid('form') ?? {}));
  // 303: the browser follows a form post's redirect with a GET.
  return c.redirect(target, 303);
};

export const oauthExchange: AppRouteHandler<typeof routes.oauthExchange> = async (c) => {
  const { transport } = c.req.valid('query');
  if (transport === 'cookie') assertCookieRequestAllowed(c);
  const { login_code, code_verifier } = c.req.valid('json');
  const { exchangeLoginCode } = await federated();
  const result = await exchangeLoginCode(c.var.deps, {
    loginCode: login_code,
    codeVerifier: code_verifier,
  });
  return answerSignIn(c, transport, result);
};

export const listIdentities: AppRouteHandler<typeof routes.listIdentities> = async (c) => {
  const { listUserIdentities } = await identities();
  const rows = await listUserIdentities(c.var.deps, userOf(c).userId);
  const items = rows.map((r) => ({
    identity_id: r.id,
    provider: r.provider,
    subject: r.subject,
    email: r.email,
    created_at: r.createdAt.toISOString(),
  }));
  return c.json({ items }, 200, NO_STORE);
};

export const linkIdentity: AppRouteHandler<typeof routes.linkIdentity> = async (c) => {
  const { provider } = c.req.valid('param');
  const body = c.req.valid('json');
  const caller = userOf(c);
  const [{ assertMayLink }, { startFederated }] = await Promise.all([identities(), federated()]);
  await assertMayLink(c.var.deps, caller, body?.password);
  const url = await startFederated(c.var.deps, {
    provider,
    returnTo: body?.return_to,
    linkUserId: caller.userId,
  });
  return c.json({ authorize_url: url.href }, 200, NO_STORE);
};

export const unlinkIdentity: AppRouteHandler<typeof routes.unlinkIdentity> = async (c) => {
  const { identity_id } = c.req.valid('param');
  const { unlinkIdentity } = await identities();
  await unlinkIdentity(c.var.deps, userOf(c), identity_id, c.req.valid('json')?.password);
  return c.body(null, 204);
};
