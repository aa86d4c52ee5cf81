/** @jsxImportSource hono/jsx */
// The sign-in pages: the password form and its second step (a code, or one sent on request).
import { z } from '@hono/zod-openapi';
import type { TokenPair } from '../../domain/sessions';
import type { SignInResult } from '../../domain/sign-in/finish';
import { signInWithPassword } from '../../domain/sign-in/password';
import { assertHuman } from '../../domain/turnstile';
import { sendLoginCode, signInWithSecondFactor } from '../../domain/sign-in/second-factor';
import { setRefreshCookie } from '../../http/cookie-transport';
import {
  emailOrProblem,
  html,
  nonce,
  orProblem,
  readForm,
  ReturnTo,
  returnToOf,
  Text,
  type C,
} from './pages.shared';
import { LoginPage, MessagePage, MfaPage, type MfaMethod, type Problem } from './pages.views';
import { TurnstileFormField } from './pages.turnstile';

/**
 * The end of a sign-in: the refresh token goes into the same HttpOnly cookie as
 * ?transport=cookie (the app's client then refreshes with it), the access token is not shown,
 * and the browser goes back to `return_to` only if its origin is allowed; otherwise a neutral
 * page, never an open redirect.
 */
function signedIn(c: C, tokens: TokenPair, returnTo: string | null) {
  setRefreshCookie(c, tokens.refreshToken);
  if (returnTo) return c.redirect(returnTo, 303);
  return html(
    c,
    <MessagePage
      nonce={nonce(c)}
      title="Signed in"
      message="You are signed in. You can close this page."
    />,
  );
}

/**
 * Where a first step (password, passkey, email link) leads on the hosted pages: signed in, or
 * the second-step page when the account needs one.
 */
export function afterFirstStep(c: C, result: SignInResult, returnTo: string | null) {
  if (result.kind === 'tokens') return signedIn(c, result.tokens, returnTo);
  const { mfaToken, methods } = result;
  return html(
    c,
    <MfaPage nonce={nonce(c)} mfaToken={mfaToken} methods={methods} returnTo={returnTo} />,
  );
}

export const loginPost = async (c: C) => {
  const form = await readForm(c, {
    email: Text(320),
    password: Text(4096),
    return_to: ReturnTo,
    ...TurnstileFormField,
  });
  const returnTo = returnToOf(c, form.return_to);
  const view = (problem: Problem) => (
    <LoginPage nonce={nonce(c)} problem={problem} returnTo={returnTo} email={form.email} />
  );
  const page = (problem: Problem) => html(c, view(problem));
  const checked = emailOrProblem(form.email);
  if ('problem' in checked) return html(c, view(checked.problem), 422);
  return orProblem(
    c,
    async () => {
      await assertHuman(c.var.deps, form['cf-turnstile-response']);
      const result = await signInWithPassword(c.var.deps, {
        email: checked.email,
        password: form.password,
      });
      return afterFirstStep(c, result, returnTo);
    },
    page,
  );
};

const MethodsField = z
  .string()
  .max(2000)
  .transform((v) =>
    v
      .split(',')
      .map((pair) => pair.split(':'))
      .filter(
        (p): p is [string, MfaMethod['type']] =>
          p.length === 2 && ['totp', 'email', 'sms'].includes(p[1]!),
      )
      .map(([method_id, type]) => ({ method_id, type })),
  );

const MfaFields = { mfa_token: Text(512), methods: MethodsField, return_to: ReturnTo };

/** A dead mfa_token (used, expired, too many tries) cannot be retried: start over. */
const restart = (c: C, problem: Problem) =>
  html(
    c,
    <MessagePage
      nonce={nonce(c)}
      title="Sign in again"
      message=""
      problem={problem}
      link={{ href: '/login', text: 'Sign in again' }}
    />,
  );

export const mfaPost = async (c: C) => {
  const form = await readForm(c, { ...MfaFields, code: Text(64) });
  const returnTo = returnToOf(c, form.return_to);
  return orProblem(
    c,
    async () => {
      const input = { mfaToken: form.mfa_token, code: form.code.trim() };
      const { tokens } = await signInWithSecondFactor(c.var.deps, input);
      return signedIn(c, tokens, returnTo);
    },
    (problem, code) =>
      code === 'INVALID_TOKEN'
        ? restart(c, problem)
        : html(
            c,
            <MfaPage
              nonce={nonce(c)}
              mfaToken={form.mfa_token}
              methods={form.methods}
              returnTo={returnTo}
              problem={problem}
            />,
          ),
  );
};

export const mfaSendPost = async (c: C) => {
  const form = await readForm(c, { ...MfaFields, method_id: Text(64) });
  const returnTo = returnToOf(c, form.return_to);
  const page = (extra: { problem?: Problem; sent?: string }) =>
    html(
      c,
      <MfaPage
        nonce={nonce(c)}
        mfaToken={form.mfa_token}
        methods={form.methods}
        returnTo={returnTo}
        {...extra}
      />,
    );
  return orProblem(
    c,
    async () => {
      const input = { mfaToken: form.mfa_token, methodId: form.method_id };
      const sent = await sendLoginCode(c.var.deps, input);
      return page({ sent: `We sent a code to ${sent.destination}. It is valid for 10 minutes.` });
    },
    (problem) => page({ problem }),
  );
};
