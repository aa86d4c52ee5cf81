import { describe, expect, it } from 'vitest';
import { ageSession, api, createSignedInUser, STRONG_PASSWORD } from './helpers';
import { addPasskey, SoftAuthenticator } from './helpers-webauthn';
import { postForm as post } from './helpers-pages';

// The hosted account page (/account): signed in by the refresh cookie, the account's passkeys
// listed, removed with the password, added through options embedded in the page.

const cookieOf = (token: string) => `__Host-refresh=${token}`;

/** The rotated cookie an answer sets, as a request's Cookie header. */
function rotated(res: { headers: Headers }) {
  const set = res.headers.getSetCookie().find((h) => h.startsWith('__Host-refresh='));
  expect(set, 'the session cookie is rotated').toBeDefined();
  return set!.split(';')[0]!;
}

const embeddedOptions = (html: string) => {
  const json = /<script id="add-passkey-options" type="application\/json">([^<]*)<\/script>/.exec(
    html,
  )?.[1];
  return json ? JSON.parse(json).options : null;
};

describe('the hosted account page', () => {
  it('signed out (no cookie, a forged one): a link to sign in, no passkeys', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { Cookie: cookieOf(`${crypto.randomUUID()}.${'a'.repeat(43)}`) },
    ]) {
      const res = await api('GET', '/account', { headers });
      expect(res.status).toBe(200);
      expect(res.text).toContain('href="/login?return_to=');
      expect(res.text).toContain('account');
      expect(res.text).not.toContain('/account/passkeys/remove');
    }
  });

  it('lists the passkeys (name, dates, backed up) and rotates the cookie', async () => {
    const user = await createSignedInUser();
    await addPasskey(user.access_token, { name: 'Laptop <key>' });
    await addPasskey(user.access_token, { name: 'Yubikey', synced: false });
    const res = await api('GET', '/account', { headers: { Cookie: cookieOf(user.refresh_token) } });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Laptop &lt;key&gt;');
    expect(res.text).toContain('Yubikey');
    expect(res.text).toContain('last used never');
    expect(res.text).toContain('not backed up');
    expect(res.text.match(/action="\/account\/passkeys\/remove"/g)).toHaveLength(2);
    const next = rotated(res);
    expect(next).not.toBe(cookieOf(user.refresh_token));
    // Signed in just now: the creation options are in the page, with a nonce'd script.
    expect(embeddedOptions(res.text)).toMatchObject({ challenge: expect.any(String) });
    const nonce = /script-src 'nonce-([^']+)'/.exec(
      res.headers.get('Content-Security-Policy')!,
    )?.[1];
    expect(res.text).toContain(`<script nonce="${nonce}">`);
  });

  it('removes a passkey only with the right password', async () => {
    const user = await createSignedInUser();
    const { passkeyId } = await addPasskey(user.access_token, { name: 'Phone' });
    let cookie = cookieOf(user.refresh_token);
    for (const password of ['', 'not-the-password']) {
      const refused = await post(
        '/account/passkeys/remove',
        { passkey_id: passkeyId, password },
        {
          Cookie: cookie,
        },
      );
      expect(refused.status).toBe(401);
      expect(refused.text).toContain('Phone');
      cookie = rotated(refused);
    }
    const removed = await post(
      '/account/passkeys/remove',
      { passkey_id: passkeyId, password: STRONG_PASSWORD },
      { Cookie: cookie },
    );
    expect(removed.status, removed.text).toBe(200);
    expect(removed.text).toContain('Passkey removed.');
    expect(removed.text).not.toContain('Phone');
    const list = await api('GET', '/passkeys', { token: user.access_token });
    expect(list.body.items).toEqual([]);
  });

  it('refuses another site’s form and a post without the session', async () => {
    const user = await createSignedInUser();
    const { passkeyId } = await addPasskey(user.access_token);
    const fields = { passkey_id: passkeyId, password: STRONG_PASSWORD };
    const cookie = { Cookie: cookieOf(user.refresh_token) };
    const foreign = await post('/account/passkeys/remove', fields, {
      ...cookie,
      Origin: 'https://evil.example',
      'Sec-Fetch-Site': 'cross-site',
    });
    expect(foreign.status).toBe(403);
    const noSession = await post('/account/passkeys/remove', fields, {});
    expect(noSession.text).toContain('href="/login?return_to=');
    const list = await api('GET', '/passkeys', { token: user.access_token });
    expect(list.body.items).toHaveLength(1);
  });

  it('adds a passkey from the page’s options; an older session needs the password first', async () => {
    const user = await createSignedInUser();
    await ageSession(user.id, user.access_token, 10);
    const page = await api('GET', '/account', {
      headers: { Cookie: cookieOf(user.refresh_token) },
    });
    expect(embeddedOptions(page.text)).toBeNull();
    expect(page.text).toContain('action="/account/passkeys/options"');
    let cookie = rotated(page);
    const wrong = await post('/account/passkeys/options', { password: 'nope' }, { Cookie: cookie });
    expect(wrong.status).toBe(401);
    expect(embeddedOptions(wrong.text)).toBeNull();
    cookie = rotated(wrong);
    const unlocked = await post(
      '/account/passkeys/options',
      { password: STRONG_PASSWORD },
      { Cookie: cookie },
    );
    expect(unlocked.status, unlocked.text).toBe(200);
    const options = embeddedOptions(unlocked.text);
    expect(options).toMatchObject({ challenge: expect.any(String) });
    const authenticator = await SoftAuthenticator.create();
    const response = await authenticator.register(options);
    const added = await post(
      '/account/passkeys',
      { response: JSON.stringify(response) },
      { Cookie: rotated(unlocked) },
    );
    expect(added.status, added.text).toBe(200);
    expect(added.text).toContain('Passkey added');
    const list = await api('GET', '/passkeys', { token: user.access_token });
    expect(list.body.items).toHaveLength(1);
    // The same answer again: its challenge is spent.
    const again = await post(
      '/account/passkeys',
      { response: JSON.stringify(response) },
      { Cookie: rotated(added) },
    );
    expect(again.status).toBe(401);
  });
});
