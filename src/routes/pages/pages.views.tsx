/** @jsxImportSource hono/jsx */
import type { Child, FC } from 'hono/jsx';
import { Layout } from './pages.layout';
import { BotCheck } from './pages.turnstile';

/** A problem to show: words for the reader, and per-field details when there are any. */
export interface Problem {
  message: string;
  details?: string[];
}

/**
 * The form's error: role=alert announces it to screen readers when the page loads, and
 * autofocus puts keyboard focus on it, so the reader hears it before the fields again.
 */
export const ErrorBox: FC<{ problem?: Problem | null }> = ({ problem }) =>
  problem ? (
    <div class="error" role="alert" id="form-error" tabindex={-1} autofocus>
      <p class="flush">{problem.message}</p>
      {problem.details?.length ? (
        <ul>
          {problem.details.map((d) => (
            <li>{d}</li>
          ))}
        </ul>
      ) : null}
    </div>
  ) : null;

/** A status message (not an error): announced politely. */
export const Notice: FC<{ children?: Child }> = (props) => (
  <p role="status" aria-live="polite">
    {props.children}
  </p>
);

const Hidden: FC<{ name: string; value?: string | null }> = ({ name, value }) =>
  value ? <input type="hidden" name={name} value={value} /> : null;

const Field: FC<{
  id: string;
  label: string;
  type: string;
  autocomplete: string;
  value?: string;
  hint?: string;
  invalid?: boolean;
  autofocus?: boolean;
  inputmode?: 'numeric';
}> = (p) => (
  <>
    <label for={p.id}>{p.label}</label>
    <input
      id={p.id}
      name={p.id}
      type={p.type}
      autocomplete={p.autocomplete}
      value={p.value}
      required
      autofocus={p.autofocus}
      inputmode={p.inputmode}
      aria-invalid={p.invalid ? 'true' : undefined}
      aria-describedby={
        [p.hint ? `${p.id}-hint` : '', p.invalid ? 'form-error' : ''].filter(Boolean).join(' ') ||
        undefined
      }
    />
    {p.hint ? (
      <p class="hint" id={`${p.id}-hint`}>
        {p.hint}
      </p>
    ) : null}
  </>
);

/** A page's path, carrying where to go once signed in. */
export const withReturn = (path: string, returnTo?: string | null) =>
  returnTo ? `${path}?return_to=${encodeURIComponent(returnTo)}` : path;

export interface FormProps {
  nonce?: string;
  /** The sign-in page's passkey form and script (pages.passkey.tsx), when passkeys are on. */
  passkey?: Child;
  /** The sign-in page's provider buttons (pages.federated.tsx), when providers are configured. */
  federated?: Child;
  problem?: Problem | null;
  returnTo?: string | null;
  email?: string;
}

export const LoginPage: FC<FormProps> = (p) => (
  <Layout title="Sign in" nonce={p.nonce}>
    <ErrorBox problem={p.problem} />
    <form method="post" action="/login">
      <Hidden name="return_to" value={p.returnTo} />
      <Field
        id="email"
        label="Email"
        type="email"
        autocomplete="username webauthn"
        value={p.email}
        invalid={!!p.problem}
        autofocus={!p.problem}
      />
      <Field
        id="password"
        label="Password"
        type="password"
        autocomplete="current-password"
        invalid={!!p.problem}
      />
      <BotCheck nonce={p.nonce} />
      <button type="submit">Sign in</button>
    </form>
    {p.passkey}
    {p.federated}
    <p class="links">
      <a href={withReturn('/register', p.returnTo)}>Create an account</a>
      <a href="/forgot-password">Forgot your password?</a>
    </p>
  </Layout>
);

export interface MfaMethod {
  method_id: string;
  type: 'totp' | 'email' | 'sms';
}

const METHOD_NAMES = { totp: 'Authenticator app', email: 'Email code', sms: 'Text message code' };

/** The methods as one hidden field (`id:type,…`), so a re-rendered step lists them again. */
const encodeMethods = (methods: MfaMethod[]) =>
  methods.map((m) => `${m.method_id}:${m.type}`).join(',');

export const MfaPage: FC<
  FormProps & { mfaToken: string; methods: MfaMethod[]; sent?: string | null }
> = (p) => {
  const sendable = p.methods.filter((m) => m.type !== 'totp');
  const hasTotp = p.methods.some((m) => m.type === 'totp');
  return (
    <Layout title="Two-step verification" nonce={p.nonce}>
      <ErrorBox problem={p.problem} />
      {p.sent ? <Notice>{p.sent}</Notice> : null}
      <form method="post" action="/login/mfa">
        <Hidden name="return_to" value={p.returnTo} />
        <input type="hidden" name="mfa_token" value={p.mfaToken} />
        <input type="hidden" name="methods" value={encodeMethods(p.methods)} />
        <Field
          id="code"
          label="Verification code"
          type="text"
          autocomplete="one-time-code"
          inputmode="numeric"
          hint={
            hasTotp
              ? 'The 6-digit code from your authenticator app, a code we sent you, or a backup code.'
              : 'The 6-digit code we sent you, or a backup code.'
          }
          invalid={!!p.problem}
          autofocus={!p.problem}
        />
        <button type="submit">Verify</button>
      </form>
      {sendable.length ? (
        <form method="post" action="/login/mfa/send">
          <Hidden name="return_to" value={p.returnTo} />
          <input type="hidden" name="mfa_token" value={p.mfaToken} />
          <input type="hidden" name="methods" value={encodeMethods(p.methods)} />
          <fieldset>
            <legend>Send me a code</legend>
            {sendable.map((m, i) => (
              <label class="choice">
                <input type="radio" name="method_id" value={m.method_id} checked={i === 0} />{' '}
                {METHOD_NAMES[m.type]}
              </label>
            ))}
          </fieldset>
          <button type="submit" class="secondary">
            Send code
          </button>
        </form>
      ) : null}
    </Layout>
  );
};

export const RegisterPage: FC<FormProps> = (p) => (
  <Layout title="Create an account" nonce={p.nonce}>
    <ErrorBox problem={p.problem} />
    <form method="post" action="/register">
      <Hidden name="return_to" value={p.returnTo} />
      <Field
        id="email"
        label="Email"
        type="email"
        autocomplete="email"
        value={p.email}
        invalid={!!p.problem}
        autofocus={!p.problem}
      />
      <Field
        id="password"
        label="Password"
        type="password"
        autocomplete="new-password"
        hint="At least 8 characters with lower- and upper-case letters and a digit; not a common password."
        invalid={!!p.problem}
      />
      <BotCheck nonce={p.nonce} />
      <button type="submit">Create account</button>
    </form>
    <p class="links">
      <a href={withReturn('/login', p.returnTo)}>Already have an account? Sign in</a>
    </p>
  </Layout>
);

export const ForgotPage: FC<FormProps> = (p) => (
  <Layout title="Reset your password" nonce={p.nonce}>
    <ErrorBox problem={p.problem} />
    <form method="post" action="/forgot-password">
      <Field
        id="email"
        label="Email"
        type="email"
        autocomplete="email"
        value={p.email}
        invalid={!!p.problem}
        autofocus={!p.problem}
      />
      <BotCheck nonce={p.nonce} />
      <button type="submit">Send reset link</button>
    </form>
    <p class="links">
      <a href="/login">Back to sign in</a>
    </p>
  </Layout>
);

export const ResetPage: FC<FormProps & { token: string }> = (p) => (
  <Layout title="Choose a new password" nonce={p.nonce}>
    <ErrorBox problem={p.problem} />
    <form method="post" action="/reset-password">
      <input type="hidden" name="token" value={p.token} />
      <Field
        id="new_password"
        label="New password"
        type="password"
        autocomplete="new-password"
        invalid={!!p.problem}
        autofocus={!p.problem}
      />
      <button type="submit">Change password</button>
    </form>
  </Layout>
);

export const VerifyEmailPage: FC<FormProps & { token: string }> = (p) => (
  <Layout title="Confirm your email address" nonce={p.nonce}>
    <ErrorBox problem={p.problem} />
    {/* A button, not the GET itself: mail scanners fetch links and would spend the token. */}
    <form method="post" action="/verify-email">
      <input type="hidden" name="token" value={p.token} />
      <button type="submit" autofocus={!p.problem}>
        Confirm my email address
      </button>
    </form>
  </Layout>
);

/** An end of a flow: a heading, words, and where to go next. */
export const MessagePage: FC<{
  nonce?: string;
  title: string;
  message: string;
  problem?: Problem | null;
  link?: { href: string; text: string };
}> = (p) => (
  <Layout title={p.title} nonce={p.nonce}>
    <ErrorBox problem={p.problem} />
    {p.problem ? null : <Notice>{p.message}</Notice>}
    {p.link ? (
      <p class="links">
        <a href={p.link.href}>{p.link.text}</a>
      </p>
    ) : null}
  </Layout>
);
