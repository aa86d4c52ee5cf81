/** @jsxImportSource hono/jsx */
import { raw } from 'hono/html';
import type { FC } from 'hono/jsx';
import { clearImpersonationHint } from '../../http/impersonation-hint';
import { RegistrationResponseSchema } from '../../http/webauthn-schemas';
import { ApiError } from '../../lib/errors';
import { pageSession, type PageSession as Caller } from './page-session';
import { Layout } from './pages.layout';
import { html, nonce, orProblem, readForm, Text, type C } from './pages.shared';
import { safeReturnTo } from './pages.security';
import { ErrorBox, Notice, withReturn, type Problem } from './pages.views';

/**
 * The hosted account page (issue 24): the passkeys of the account signed in on these pages (the
 * refresh cookie, rotated on every view as any use of it is), each removable with the password,
 * and an "Add a passkey" button. The creation options are embedded in the page, as the sign-in
 * page embeds its request options (pages.passkey.tsx); the new credential is posted back as a
 * form, so the script never calls the API.
 */

// Loaded with the pages that use it: the WebAuthn library stays out of the module start-up.
const passkeyDomain = () => import('../../domain/factors/passkeys');

type Listed = Awaited<ReturnType<Awaited<ReturnType<typeof passkeyDomain>>['listUserPasskeys']>>;

// Runs in the browser: the button asks the authenticator, the answer is posted as a form.
const SCRIPT = `(() => {
  const PKC = window.PublicKeyCredential;
  const form = document.getElementById('add-passkey-form');
  if (!form || !PKC || !PKC.parseCreationOptionsFromJSON) return;
  const data = JSON.parse(document.getElementById('add-passkey-options').textContent);
  const button = document.getElementById('add-passkey-button');
  button.hidden = false;
  button.addEventListener('click', () => {
    navigator.credentials
      .create({ publicKey: PKC.parseCreationOptionsFromJSON(data.options) })
      .then((credential) => {
        if (!credential) return;
        form.elements.response.value = JSON.stringify(credential.toJSON());
        form.submit();
      }, () => {});
  });
})();`;

const AddPasskey: FC<{ nonce?: string; options: unknown }> = (p) => {
  if (!p.options) {
    // Not signed in within the last 5 minutes: the password unlocks the options.
    return (
      <form method="post" action="/account/passkeys/options">
        <label for="add-password">Password</label>
        <input id="add-password" type="password" name="password" autocomplete="current-password" />
        <button type="submit" class="secondary">
          Add a passkey
        </button>
      </form>
    );
  }
  // `<` escaped: the JSON sits inside a <script> element.
  const json = JSON.stringify({ options: p.options }).replace(/</g, '\\u003c');
  return (
    <form id="add-passkey-form" method="post" action="/account/passkeys">
      <input type="hidden" name="response" value="" />
      <button id="add-passkey-button" type="button" hidden>
        Add a passkey
      </button>
      <script id="add-passkey-options" type="application/json">
        {raw(json)}
      </script>
      <script nonce={p.nonce}>{raw(SCRIPT)}</script>
    </form>
  );
};

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : 'never');

const AccountPage: FC<{
  nonce?: string;
  passkeys: Listed;
  options: unknown;
  canAdd: boolean;
  notice?: string;
  problem?: Problem | null;
}> = (p) => (
  <Layout title="Your account" nonce={p.nonce}>
    <ErrorBox problem={p.problem} />
    {p.notice ? <Notice>{p.notice}</Notice> : null}
    <h2>Passkeys</h2>
    {p.passkeys.length === 0 ? <p class="hint">No passkeys yet.</p> : null}
    <ul class="passkeys">
      {p.passkeys.map((k) => (
        <li>
          <strong>{k.name}</strong>
          <p class="hint">
            {`Added ${day(k.createdAt)} · last used ${day(k.lastUsedAt)} · `}
            {k.backedUp ? 'backed up' : 'not backed up'}
          </p>
          <form method="post" action="/account/passkeys/remove">
            <input type="hidden" name="passkey_id" value={k.id} />
            <label for={`pw-${k.id}`}>Password</label>
            <input
              id={`pw-${k.id}`}
              type="password"
              name="password"
              autocomplete="current-password"
            />
            <button type="submit" class="secondary">
              Remove
            </button>
          </form>
        </li>
      ))}
    </ul>
    {p.canAdd ? <AddPasskey nonce={p.nonce} options={p.options} /> : null}
  </Layout>
);

const SignedOut: FC<{ nonce?: string; href: string }> = (p) => (
  <Layout title="Your account" nonce={p.nonce}>
    <Notice>Sign in to manage your passkeys.</Notice>
    <p class="links">
      <a href={p.href}>Sign in</a>
    </p>
  </Layout>
);

const signedOut = (c: C) => {
  const here = safeReturnTo(c.var.config, new URL('/account', c.req.url).href);
  return html(c, <SignedOut nonce={nonce(c)} href={withReturn('/login', here ?? '/account')} />);
};

/** Creation options for the caller, or null when a password is needed first. */
async function addOptions(c: C, caller: Caller, password: string | undefined) {
  const { startRegistration } = await passkeyDomain();
  try {
    return await startRegistration(c.var.deps, caller, password);
  } catch (err) {
    if (password === undefined && err instanceof ApiError && err.code === 'INVALID_CREDENTIALS')
      return null;
    throw err;
  }
}

async function render(
  c: C,
  caller: Caller,
  extra: { options?: unknown; notice?: string; problem?: Problem | null } = {},
) {
  const { listUserPasskeys } = await passkeyDomain();
  const passkeys = await listUserPasskeys(c.var.deps, caller.userId);
  let options = extra.options ?? null;
  let canAdd = true;
  if (!options) {
    options = await addOptions(c, caller, undefined).catch((err: unknown) => {
      // Passkeys not configured here (WEBAUTHN_*), the maximum reached, or an impersonation
      // (which may not add one): no add button.
      if (
        err instanceof ApiError &&
        ['DEPENDENCY_UNAVAILABLE', 'CONFLICT', 'FORBIDDEN'].includes(err.code)
      ) {
        canAdd = false;
        return null;
      }
      throw err;
    });
  }
  return html(
    c,
    <AccountPage
      nonce={nonce(c)}
      passkeys={passkeys}
      options={options}
      canAdd={canAdd}
      notice={extra.notice}
      problem={extra.problem}
    />,
  );
}

/** Runs `work` for the signed-in caller; a refusal is the page again with the problem. */
async function act(c: C, work: (caller: Caller) => Promise<Response>) {
  const caller = await pageSession(c);
  if (!caller) return signedOut(c);
  return orProblem(
    c,
    () => work(caller),
    (problem) => render(c, caller, { problem }),
  );
}

/** GET /account (keeps the impersonation banner's hint in step with the session it shows). */
export const accountPage = async (c: C) => {
  const caller = await pageSession(c);
  if (!caller?.claims.act) clearImpersonationHint(c);
  return caller ? render(c, caller) : signedOut(c);
};

/** POST /account/passkeys/options: the password → the page with creation options. */
export const accountOptionsPost = async (c: C) => {
  const form = await readForm(c, { password: Text(1024) });
  return act(c, async (caller) =>
    render(c, caller, { options: await addOptions(c, caller, form.password) }),
  );
};

/** POST /account/passkeys: the authenticator's answer → the passkey stored. */
export const accountAddPost = async (c: C) => {
  const form = await readForm(c, { response: Text(32_768) });
  return act(c, async (caller) => {
    const response = RegistrationResponseSchema.safeParse(parseJson(form.response));
    if (!response.success) throw new ApiError('PASSKEY_REJECTED');
    const { finishRegistration } = await passkeyDomain();
    const added = await finishRegistration(c.var.deps, caller, { response: response.data });
    return render(c, caller, { notice: `Passkey added: ${added.name}.` });
  });
};

/** POST /account/passkeys/remove: always with the password (a page form may sit open long). */
export const accountRemovePost = async (c: C) => {
  const form = await readForm(c, { passkey_id: Text(64), password: Text(1024) });
  return act(c, async (caller) => {
    const { removeUserPasskey } = await passkeyDomain();
    await removeUserPasskey(c.var.deps, caller, form.passkey_id, form.password);
    return render(c, caller, { notice: 'Passkey removed.' });
  });
};

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};
