/** @jsxImportSource hono/jsx */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { register } from '../../domain/accounts';
import { forgotPassword, resetPassword, verifyEmail } from '../../domain/credentials';
import type { TokenPair } from '../../domain/sessions';
import type { ReadyConfig } from '../../config';
import { signInWithPassword } from '../../domain/sign-in/password';
import { sendLoginCode, signInWithSecondFactor } from '../../domain/sign-in/second-factor';
import type { AppEnv } from '../../http/app-env';
import { setRefreshCookie } from '../../http/cookie-transport';
import { EmailSchema } from '../../http/email';
import type { ErrorCode } from '../../lib/error-codes';
import { ApiError } from '../../lib/errors';
import { BrandContext, brandOf } from './pages.layout';
import { problemOf } from './pages.messages';
import { assertSameOriginForm, safeReturnTo } from './pages.security';
import {
  ForgotPage,
  LoginPage,
  MessagePage,
  MfaPage,
  RegisterPage,
  ResetPage,
  VerifyEmailPage,
  withReturn,
  type MfaMethod,
  type Problem,
} from './pages.views';

export type C = Context<AppEnv>;

export const nonce = (c: C) => c.get('secureHeadersNonce');

/** `c.html` with the configured brand provided to the layout (pages.layout.tsx). */
export const html = (c: C, view: Child, status?: ContentfulStatusCode) =>
  c.html(
    <BrandContext.Provider value={brandOf(c.var.config as ReadyConfig | undefined)}>
      {view}
    </BrandContext.Provider>,
    status,
  );

export const returnToOf = (c: C, value: string | undefined) => safeReturnTo(c.var.config, value);

export const Text = (max: number) => z.string().max(max);
export const ReturnTo = Text(2048).optional();

/**
 * A page form's fields: only form encodings, only from this site (pages.security.ts), only the
 * fields the form has (strict), each bounded. A malformed post is a 422 page, never JSON.
 */
export async function readForm<T extends z.ZodRawShape>(
  c: C,
  shape: T,
): Promise<z.infer<z.ZodObject<T>>> {
  const type = (c.req.header('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the form as a form');
  }
  assertSameOriginForm(c);
  const parsed = z.strictObject(shape).safeParse(await c.req.parseBody());
  if (!parsed.success) throw new ApiError('VALIDATION_ERROR');
  return parsed.data;
}

/** An email field as the API checks it; a bad one is shown in words with the form again. */
function emailOrProblem(value: string): { email: string } | { problem: Problem } {
  const parsed = EmailSchema.safeParse(value);
  return parsed.success
    ? { email: parsed.data }
    : { problem: problemOf(new ApiError('INVALID_EMAIL'))!.problem };
}

/** Runs `work`; an ApiError becomes `render(problem)` with its status, anything else propagates. */
export async function orProblem(
  c: C,
  work: () => Promise<Response>,
  render: (problem: Problem, code: ErrorCode) => Response | Promise<Response>,
) {
  try {
    return await work();
  } catch (err) {
    const shown = problemOf(err);
    if (!shown) throw err;
    const res = await render(shown.problem, (err as ApiError).code);
    return new Response(res.body, {
      status: shown.status,
      headers: new Headers([...res.headers, ...Object.entries(errHeaders(err))]),
    });
  }
}

const errHeaders = (err: unknown) => (err instanceof ApiError ? (err.extra.headers ?? {}) : {});

/**
 * The end of a sign-in: the refresh token goes into the same HttpOnly cookie as
 * ?transport=cookie (the app's client then refreshes with it), the access token is not shown,
 * and the browser goes back to `return_to` only if its origin is allowed; otherwise a neutral
 * page, never an open redirect.
 */
export function signedIn(c: C, tokens: TokenPair, returnTo: string | null) {
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

export const loginPost = async (c: C) => {
  const form = await readForm(c, { email: Text(320), password: Text(4096), return_to: ReturnTo });
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
      const result = await signInWithPassword(c.var.deps, {
        email: checked.email,
        password: form.password,
      });
      if (result.kind === 'tokens') return signedIn(c, result.tokens, returnTo);
      return html(
        c,
        <MfaPage
          nonce={nonce(c)}
          mfaToken={result.mfaToken}
          methods={result.methods}
          returnTo={returnTo}
        />,
      );
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

export const registerPage = (c: C) =>
  html(c, <RegisterPage nonce={nonce(c)} returnTo={returnToOf(c, c.req.query('return_to'))} />);

export const registerPost = async (c: C) => {
  const form = await readForm(c, { email: Text(320), password: Text(4096), return_to: ReturnTo });
  const returnTo = returnToOf(c, form.return_to);
  const view = (problem: Problem) => (
    <RegisterPage nonce={nonce(c)} problem={problem} returnTo={returnTo} email={form.email} />
  );
  const page = (problem: Problem) => html(c, view(problem));
  const checked = emailOrProblem(form.email);
  if ('problem' in checked) return html(c, view(checked.problem), 422);
  return orProblem(
    c,
    async () => {
      await register(c.var.deps, { email: checked.email, password: form.password, profile: {} });
      return html(
        c,
        <MessagePage
          nonce={nonce(c)}
          title="Check your email"
          message={`Your account is created. We sent a link to ${checked.email} to confirm the address.`}
          link={{ href: withReturn('/login', returnTo), text: 'Sign in' }}
        />,
        201,
      );
    },
    page,
  );
};

export const forgotPage = (c: C) => html(c, <ForgotPage nonce={nonce(c)} />);

export const forgotPost = async (c: C) => {
  const form = await readForm(c, { email: Text(320) });
  const checked = emailOrProblem(form.email);
  if ('problem' in checked) {
    return html(
      c,
      <ForgotPage nonce={nonce(c)} problem={checked.problem} email={form.email} />,
      422,
    );
  }
  // The same words whether or not the account exists (no enumeration), as the API's 202.
  forgotPassword(c.var.deps, checked.email);
  return html(
    c,
    <MessagePage
      nonce={nonce(c)}
      title="Check your email"
      message="If an account exists for that address, we sent it a link to choose a new password."
      link={{ href: '/login', text: 'Back to sign in' }}
    />,
  );
};

/** A token link opened without its token: nothing to do but say so. */
const incompleteLink = (c: C, title: string) =>
  html(
    c,
    <MessagePage
      nonce={nonce(c)}
      title={title}
      message=""
      problem={{ message: 'This link is incomplete. Open the link from the email again.' }}
      link={{ href: '/login', text: 'Back to sign in' }}
    />,
    400,
  );

const tokenQuery = (c: C) => {
  const token = c.req.query('token');
  return token && token.length <= 512 ? token : null;
};

export const resetPage = (c: C) => {
  const token = tokenQuery(c);
  return token
    ? html(c, <ResetPage nonce={nonce(c)} token={token} />)
    : incompleteLink(c, 'Choose a new password');
};

export const resetPost = async (c: C) => {
  const form = await readForm(c, { token: Text(512), new_password: Text(4096) });
  return orProblem(
    c,
    async () => {
      await resetPassword(c.var.deps, form.token, form.new_password);
      return html(
        c,
        <MessagePage
          nonce={nonce(c)}
          title="Password changed"
          message="Your password is changed and every session was signed out. Sign in with the new password."
          link={{ href: '/login', text: 'Sign in' }}
        />,
      );
    },
    (problem) => html(c, <ResetPage nonce={nonce(c)} token={form.token} problem={problem} />),
  );
};

export const verifyEmailPage = (c: C) => {
  const token = tokenQuery(c);
  return token
    ? html(c, <VerifyEmailPage nonce={nonce(c)} token={token} />)
    : incompleteLink(c, 'Confirm your email address');
};

export const verifyEmailPost = async (c: C) => {
  const form = await readForm(c, { token: Text(512) });
  return orProblem(
    c,
    async () => {
      await verifyEmail(c.var.deps, form.token);
      return html(
        c,
        <MessagePage
          nonce={nonce(c)}
          title="Email confirmed"
          message="Your email address is confirmed."
          link={{ href: '/login', text: 'Sign in' }}
        />,
      );
    },
    (problem) =>
      html(
        c,
        <MessagePage
          nonce={nonce(c)}
          title="Confirm your email address"
          message=""
          problem={problem}
          link={{ href: '/login', text: 'Back to sign in' }}
        />,
      ),
  );
};

/**
 * The pages' error handler: a refusal before any handler ran (a rate limit, a foreign form, a
 * bad encoding) is shown in words too, with its status and headers (Retry-After).
 */
export const pageError = async (err: unknown, c: C) => {
  const shown = problemOf(err);
  if (!shown) throw err;
  const res = await html(
    c,
    <MessagePage
      nonce={nonce(c)}
      title="Something went wrong"
      message=""
      problem={shown.problem}
      link={{ href: '/login', text: 'Back to sign in' }}
    />,
  );
  for (const [name, value] of Object.entries(errHeaders(err))) res.headers.set(name, value);
  return new Response(res.body, { status: shown.status, headers: res.headers });
};
