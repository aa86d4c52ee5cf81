/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import { acceptInvitationToken } from '../../domain/org-acceptance';
import { refresh, refreshTokenOwner } from '../../domain/sessions';
import type { AppEnv } from '../../http/app-env';
import { readRefreshCookie, setRefreshCookie } from '../../http/cookie-transport';
import { ApiError } from '../../lib/errors';
import { html, nonce, orProblem, readForm, Text } from './pages.shared';
import { safeReturnTo } from './pages.security';
import { Layout } from './pages.layout';
import { ErrorBox, MessagePage, Notice, withReturn, type Problem } from './pages.views';

// The page an invitation email links to (domain/notifications.ts): the invited person, signed
// in on these pages (the refresh cookie), accepts with one button. The GET only shows the
// form: mail scanners fetch links, and accepting must be the person's act.

type C = Context<AppEnv>;

const InvitationPage: FC<{
  nonce?: string;
  token: string;
  signInHref: string | null;
  problem?: Problem | null;
}> = (p) => (
  <Layout title="Join an organization" nonce={p.nonce}>
    <ErrorBox problem={p.problem} />
    {p.signInHref ? (
      <>
        <Notice>Sign in with the invited email address to accept this invitation.</Notice>
        <p class="links">
          <a href={p.signInHref}>Sign in</a>
          <a href={`/register`}>Create an account</a>
        </p>
      </>
    ) : (
      <form method="post" action="/accept-invitation">
        <input type="hidden" name="token" value={p.token} />
        <button type="submit" autofocus={!p.problem}>
          Accept the invitation
        </button>
      </form>
    )}
  </Layout>
);

/** Where "Sign in" leads: back to this page afterwards when the origin allows it. */
const signInHref = (c: C, token: string) => {
  const here = new URL('/accept-invitation', c.req.url);
  here.searchParams.set('token', token);
  return withReturn('/login', safeReturnTo(c.var.config, here.href));
};

const signedIn = (c: C) => {
  const cookie = readRefreshCookie(c);
  return cookie && refreshTokenOwner(cookie) ? cookie : null;
};

export const acceptInvitationPage = (c: C) => {
  const token = (c.req.query('token') ?? '').slice(0, 512);
  if (!token) {
    return html(
      c,
      <MessagePage
        nonce={nonce(c)}
        title="Join an organization"
        message=""
        problem={{ message: 'This link is incomplete. Open the link from the email again.' }}
      />,
      400,
    );
  }
  return html(
    c,
    <InvitationPage
      nonce={nonce(c)}
      token={token}
      signInHref={signedIn(c) ? null : signInHref(c, token)}
    />,
  );
};

export const acceptInvitationPost = async (c: C) => {
  const form = await readForm(c, { token: Text(512) });
  const cookie = signedIn(c);
  const again = (problem: Problem | null, signIn: boolean) =>
    html(
      c,
      <InvitationPage
        nonce={nonce(c)}
        token={form.token}
        signInHref={signIn ? signInHref(c, form.token) : null}
        problem={problem}
      />,
    );
  if (!cookie) return again(null, true);
  return orProblem(
    c,
    async () => {
      // The session proves who is accepting (and is rotated, as any use of it is).
      const tokens = await refresh(c.var.deps, cookie).catch((err: unknown) => {
        throw err instanceof ApiError && err.status === 401 ? new ApiError('SESSION_REVOKED') : err;
      });
      setRefreshCookie(c, tokens.refreshToken);
      const joined = await acceptInvitationToken(
        c.var.deps,
        refreshTokenOwner(cookie)!,
        form.token,
      );
      return html(
        c,
        <MessagePage
          nonce={nonce(c)}
          title="Invitation accepted"
          message={`You are now a member of ${joined.name} (${joined.role}).`}
        />,
      );
    },
    (problem, code) => again(problem, code === 'SESSION_REVOKED' || code === 'FORBIDDEN'),
  );
};
