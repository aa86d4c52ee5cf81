/** @jsxImportSource hono/jsx */
import { raw } from 'hono/html';
import { providerButtons } from './pages.federated';
import type { FC } from 'hono/jsx';
import { AuthenticationResponseSchema } from '../../http/webauthn-schemas';
import { ApiError } from '../../lib/errors';
import { afterFirstStep } from './pages.handlers';
import {
  html,
  nonce,
  orProblem,
  readForm,
  ReturnTo,
  returnToOf,
  Text,
  type C,
} from './pages.shared';
import { LoginPage } from './pages.views';

/**
 * The sign-in page's passkeys: the request options are embedded in the page (one challenge per
 * view), the browser offers the account's passkeys in the email field's autofill (conditional
 * UI, `autocomplete="username webauthn"`) and behind a button, and the chosen one is posted as
 * a form to /login/passkey: a single POST after load, no call from the page's script. The
 * script is the page's only one, nonce'd (pages.security.ts); without WebAuthn (or its JSON
 * helpers) the button stays hidden and the password form works alone.
 */
const passkeyDomain = () => import('../../domain/sign-in/passkey');

/** A challenge for this view, or null when passkeys are not configured here. */
async function optionsFor(c: C) {
  try {
    const { passkeySignInOptions } = await passkeyDomain();
    return await passkeySignInOptions(c.var.deps, {});
  } catch (err) {
    if (err instanceof ApiError && err.code === 'DEPENDENCY_UNAVAILABLE') return null;
    throw err;
  }
}

// Runs in the browser. Conditional mediation first; the button aborts it and asks directly.
const SCRIPT = `(() => {
  const PKC = window.PublicKeyCredential;
  const form = document.getElementById('passkey-form');
  if (!form || !PKC || !PKC.parseRequestOptionsFromJSON) return;
  const data = JSON.parse(document.getElementById('passkey-options').textContent);
  const publicKey = () => PKC.parseRequestOptionsFromJSON(data.options);
  let pending = new AbortController();
  const submit = (credential) => {
    form.elements.response.value = JSON.stringify(credential.toJSON());
    form.submit();
  };
  const ask = (mediation) => {
    pending.abort();
    pending = new AbortController();
    navigator.credentials
      .get({ mediation, publicKey: publicKey(), signal: pending.signal })
      .then((credential) => credential && submit(credential), () => {});
  };
  const button = document.getElementById('passkey-button');
  button.hidden = false;
  button.addEventListener('click', () => ask('optional'));
  if (PKC.isConditionalMediationAvailable)
    PKC.isConditionalMediationAvailable().then((yes) => yes && ask('conditional'));
})();`;

const PasskeySignIn: FC<{
  nonce?: string;
  returnTo?: string | null;
  challengeId: string;
  options: unknown;
}> = (p) => {
  // `<` escaped: the JSON sits inside a <script> element.
  const json = JSON.stringify({ options: p.options }).replace(/</g, '\\u003c');
  return (
    <form id="passkey-form" method="post" action="/login/passkey">
      <input type="hidden" name="challenge_id" value={p.challengeId} />
      <input type="hidden" name="response" value="" />
      {p.returnTo ? <input type="hidden" name="return_to" value={p.returnTo} /> : null}
      <button id="passkey-button" type="button" class="secondary" hidden>
        Use a passkey
      </button>
      <script id="passkey-options" type="application/json">
        {raw(json)}
      </script>
      <script nonce={p.nonce}>{raw(SCRIPT)}</script>
    </form>
  );
};

/** GET /login: the password form, and the passkeys when they are configured. */
export const loginPage = async (c: C) => {
  const returnTo = returnToOf(c, c.req.query('return_to'));
  const [passkey, federated] = await Promise.all([
    passkeyPanel(c, returnTo),
    providerButtons(c, returnTo),
  ]);
  return html(
    c,
    <LoginPage nonce={nonce(c)} returnTo={returnTo} passkey={passkey} federated={federated} />,
  );
};

/** The passkey part of a sign-in page (null when passkeys are off). */
async function passkeyPanel(c: C, returnTo: string | null) {
  const started = await optionsFor(c);
  if (!started) return null;
  return (
    <PasskeySignIn
      nonce={nonce(c)}
      returnTo={returnTo}
      challengeId={started.challengeId}
      options={started.options}
    />
  );
}

/** POST /login/passkey: the chosen passkey's assertion → the cookie and return_to, or the MFA step. */
export const loginPasskeyPost = async (c: C) => {
  const form = await readForm(c, {
    challenge_id: Text(512),
    response: Text(32_768),
    return_to: ReturnTo,
  });
  const returnTo = returnToOf(c, form.return_to);
  const page = async (problem: Parameters<typeof LoginPage>[0]['problem']) =>
    html(
      c,
      <LoginPage
        nonce={nonce(c)}
        problem={problem}
        returnTo={returnTo}
        passkey={await passkeyPanel(c, returnTo)}
      />,
    );
  return orProblem(
    c,
    async () => {
      const response = AuthenticationResponseSchema.safeParse(parseJson(form.response));
      if (!response.success) throw new ApiError('PASSKEY_REJECTED');
      const { signInWithPasskey } = await passkeyDomain();
      const result = await signInWithPasskey(c.var.deps, {
        challengeId: form.challenge_id,
        response: response.data,
      });
      return afterFirstStep(c, result, returnTo);
    },
    page,
  );
};

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};
