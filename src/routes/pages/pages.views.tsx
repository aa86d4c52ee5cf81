/** @jsxImportSource hono/jsx */
import type { Child, FC } from 'hono/jsx';

// Server-rendered, no third-party assets, no script: every flow works as plain form posts.
// Styles are one nonce'd <style> (pages.security.ts); light and dark follow the system.
const CSS = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --text: #1b1f24; --muted: #57606a;
  --accent: #0b5cd5; --accent-text: #fff; --border: #c9d1d9; --error-bg: #fdecea; --error: #8a1c12; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --card: #161b22; --text: #e6edf3; --muted: #9da7b3; --accent: #4c9aff;
    --accent-text: #0d1117; --border: #3d444d; --error-bg: #3b1714; --error: #ffb4a9; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg);
  color: var(--text); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { width: min(26rem, 100% - 2rem); background: var(--card); border: 1px solid var(--border);
  border-radius: 12px; padding: 2rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
input[type=email], input[type=password], input[type=text] { width: 100%; padding: .6rem .7rem;
  font: inherit; color: inherit; background: transparent; border: 1px solid var(--border); border-radius: 6px; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
button { margin-top: 1.5rem; width: 100%; padding: .7rem; font: inherit; font-weight: 600; border: 0;
  border-radius: 6px; background: var(--accent); color: var(--accent-text); cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); border: 1px solid var(--border); }
fieldset { border: 0; padding: 0; margin: 1rem 0 0; } legend { font-weight: 600; }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
.error { background: var(--error-bg); color: var(--error); border-radius: 6px; padding: .75rem 1rem; }
.error ul { margin: .25rem 0 0; padding-left: 1.2rem; }
.links { margin-top: 1.5rem; display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; }
a { color: var(--accent); }
.flush { margin: 0; } label.choice { font-weight: 400; margin: .5rem 0 0; }
`;

export const Layout: FC<{ title: string; nonce?: string; children?: Child }> = (props) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${props.title} · edge-auth`}</title>
      <style nonce={props.nonce}>{CSS}</style>
    </head>
    <body>
      <main>
        <h1>{props.title}</h1>
        {props.children}
      </main>
    </body>
  </html>
);

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
      <button type="submit">Sign in</button>
    </form>
    {p.passkey}
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
export const encodeMethods = (methods: MfaMethod[]) =>
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
