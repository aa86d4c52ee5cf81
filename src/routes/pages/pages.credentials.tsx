/** @jsxImportSource hono/jsx */
// The account pages reached without signing in: registration, forgotten and reset password,
// email confirmation.
import { register } from '../../domain/accounts';
import { forgotPassword, resetPassword, verifyEmail } from '../../domain/credentials';
import { assertHuman } from '../../domain/turnstile';
import { TurnstileFormField } from './pages.turnstile';
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
import {
  ForgotPage,
  MessagePage,
  RegisterPage,
  ResetPage,
  VerifyEmailPage,
  withReturn,
  type Problem,
} from './pages.views';

export const registerPage = (c: C) =>
  html(c, <RegisterPage nonce={nonce(c)} returnTo={returnToOf(c, c.req.query('return_to'))} />);

export const registerPost = async (c: C) => {
  const form = await readForm(c, {
    email: Text(320),
    password: Text(4096),
    return_to: ReturnTo,
    ...TurnstileFormField,
  });
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
      await assertHuman(c.var.deps, form['cf-turnstile-response']);
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
  const form = await readForm(c, { email: Text(320), ...TurnstileFormField });
  const view = (problem: Problem) => (
    <ForgotPage nonce={nonce(c)} problem={problem} email={form.email} />
  );
  const checked = emailOrProblem(form.email);
  if ('problem' in checked) return html(c, view(checked.problem), 422);
  return orProblem(
    c,
    async () => {
      await assertHuman(c.var.deps, form['cf-turnstile-response']);
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
    },
    (problem) => html(c, view(problem)),
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
