import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { api, createSignedInUser } from './helpers';
import { addPasskey } from './helpers-webauthn';
import { postForm as post } from './helpers-pages';

const APP = 'http://localhost:3000'; // APP_URL in development (scripts/dev-values.mjs)

/** What the sign-in page embeds for its passkey script. */
function passkeyForm(html: string) {
  const challengeId = /name="challenge_id" value="([^"]+)"/.exec(html)?.[1];
  const json = /<script id="passkey-options" type="application\/json">([^<]*)<\/script>/.exec(
    html,
  )?.[1];
  expect(challengeId, 'challenge_id in the page').toBeDefined();
  expect(json, 'options in the page').toBeDefined();
  return { challengeId: challengeId!, options: JSON.parse(json!).options };
}

describe('the hosted sign-in page with passkeys', () => {
  it('offers passkeys in the email field’s autofill, with a nonce’d script and options in the page', async () => {
    const res = await api('GET', `/login?return_to=${encodeURIComponent(`${APP}/`)}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('autocomplete="username webauthn"');
    const nonce = /script-src 'nonce-([^']+)'/.exec(
      res.headers.get('Content-Security-Policy')!,
    )?.[1];
    expect(res.text).toContain(`<script nonce="${nonce}">`);
    const { options } = passkeyForm(res.text);
    expect(options).toMatchObject({ rpId: 'localhost', challenge: expect.any(String) });
    expect(options.allowCredentials ?? []).toEqual([]);
  });

  it('signs in with one POST of the chosen passkey: the refresh cookie, back to return_to', async () => {
    const user = await createSignedInUser();
    const { authenticator } = await addPasskey(user.access_token);
    const page = await api('GET', `/login?return_to=${encodeURIComponent(`${APP}/`)}`);
    const { challengeId, options } = passkeyForm(page.text);
    const response = await authenticator.assert(options);
    const res = await post('/login/passkey', {
      challenge_id: challengeId,
      response: JSON.stringify(response),
      return_to: `${APP}/`,
    });
    expect(res.status, res.text).toBe(303);
    expect(res.headers.get('Location')).toBe(`${APP}/`);
    const cookie = res.headers.getSetCookie().find((h) => h.startsWith('__Host-refresh='));
    expect(cookie).toContain('HttpOnly');
    // The cookie's refresh token gives an access token with the passkey's amr.
    const refresh = cookie!.split(';')[0]!.split('=')[1]!;
    const tokens = await api('POST', '/auth/refresh', { json: { refresh_token: refresh } });
    expect(decodeJwt(tokens.body.access_token).amr).toEqual(['hwk', 'user']);

    // The same assertion again: refused in words, with a fresh challenge to try again.
    const again = await post('/login/passkey', {
      challenge_id: challengeId,
      response: JSON.stringify(response),
    });
    expect(again.status).toBe(401);
    expect(again.text).toContain('That passkey could not sign you in');
    expect(passkeyForm(again.text).challengeId).not.toBe(challengeId);
  });

  it('refuses a response that is not WebAuthn JSON with the page, not JSON', async () => {
    const page = await api('GET', '/login');
    const { challengeId } = passkeyForm(page.text);
    const res = await post('/login/passkey', { challenge_id: challengeId, response: '{"id":1}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(res.text).not.toContain('error_code');
  });
});
