/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import { peekEmailLink, signInWithEmail } from '../../domain/sign-in/email-link';
import type { AppEnv } from '../../http/app-env';
import { ApiError } from '../../lib/errors';
import { problemOf } from './pages.messages';
import { assertSameOriginForm } from './pages.security';
import { afterFirstStep } from './pages.handlers';
import { html, nonce, returnToOf } from './pages.shared';
import { Layout } from './pages.layout';
import { ErrorBox, MessagePage, type Problem } from './pages.views';

/**
 * The page an email sign-in link opens (GET /auth/email/confirm?token=): a button that posts the
 * token back. The GET only looks (mail scanners and link previews fetch links: they must not
 * spend the token); the POST signs in through the refresh cookie, as the hosted sign-in page
 * does, and sends the browser to the start's return_to if its origin is allowed.
 */

type C = Context<AppEnv>;
const TOKEN = /^[A-Za-z0-9_-]{20,200}$/;

const ConfirmPage: FC<{ nonce?: string; token: string; problem?: Problem | null }> = (p) => (
  <Layout title="Sign in" nonce={p.nonce}>
    <ErrorBox problem={p.problem} />
    <p class="flush">Continue to sign in with the link from your email.</p>
    {/* A button, not the GET itself: mail scanners fetch links and would spend the token. */}
    <form method="post" action="/auth/email/confirm">
      <input type="hidden" name="token" value={p.token} />
      <button type="submit" autofocus={!p.problem}>
        Sign in
      </button>
    </form>
  </Layout>
);

const deadLink = (c: C, problem: Problem, status: 400 | 401) =>
  html(
    c,
    <MessagePage
      nonce={nonce(c)}
      title="Sign in"
      message=""
      problem={problem}
      link={{ href: '/login', text: 'Sign in another way' }}
    />,
    status,
  );

const incomplete = { message: 'This link is incomplete. Open the link from the email again.' };

export const emailConfirmPage = async (c: C) => {
  const token = c.req.query('token');
  if (!token || !TOKEN.test(token)) return deadLink(c, incomplete, 400);
  // Say so at once if the link cannot work any more; looking does not use it up.
  const peeked = await peekEmailLink(c.var.deps, token);
  if (!peeked) return deadLink(c, problemOf(new ApiError('INVALID_TOKEN'))!.problem, 401);
  // Its form's answer redirects to return_to, maybe on to an app (its CSP names it).
  returnToOf(c, peeked.returnTo ?? undefined);
  return html(c, <ConfirmPage nonce={nonce(c)} token={token} />);
};

export const emailConfirmPost = async (c: C) => {
  const type = (c.req.header('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the form as a form');
  }
  assertSameOriginForm(c);
  const form = await c.req.parseBody();
  const token = form.token;
  if (typeof token !== 'string' || !TOKEN.test(token) || Object.keys(form).length !== 1) {
    return deadLink(c, incomplete, 400);
  }
  try {
    const result = await signInWithEmail(c.var.deps, { token });
    const returnTo = returnToOf(c, result.returnTo ?? undefined);
    return afterFirstStep(c, result, returnTo);
  } catch (err) {
    const shown = problemOf(err);
    if (!shown) throw err;
    const res = await deadLink(c, shown.problem, 401);
    const headers = err instanceof ApiError ? (err.extra.headers ?? {}) : {};
    for (const [name, value] of Object.entries(headers)) res.headers.set(name, value);
    return new Response(res.body, { status: shown.status, headers: res.headers });
  }
};
