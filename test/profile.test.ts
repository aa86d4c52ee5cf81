import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, expectError } from './helpers';

const getProfile = (token: string) => api('GET', '/auth/profile', { token });
const putProfile = (token: string, json: Record<string, unknown>) =>
  api('PUT', '/auth/profile', { token, json });

/** A username nobody else in this file uses. */
const uniqueUsername = () => `p_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;

describe('GET /auth/profile', () => {
  it('starts empty for a new user', async () => {
    const user = await createSignedInUser();
    const res = await getProfile(user.access_token);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      first_name: null,
      last_name: null,
      username: null,
      bio: null,
      avatar_url: null,
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    });
  });

  it('requires a bearer token', async () => {
    expectError(await api('GET', '/auth/profile'), 401, 'INVALID_TOKEN');
  });
});

describe('PUT /auth/profile', () => {
  it('round-trips every field', async () => {
    const user = await createSignedInUser();
    const username = uniqueUsername();
    const update = {
      first_name: 'Ada',
      last_name: 'Lovelace',
      username,
      bio: 'Wrote the first program.',
      avatar_url: 'https://cdn.example.com/ada.png',
    };
    const res = await putProfile(user.access_token, update);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject(update);
    const read = await getProfile(user.access_token);
    expect(read.body).toMatchObject(update);
    const me = await api('GET', '/auth/me', { token: user.access_token });
    expect(me.body.profile).toMatchObject(update);
  });

  it('changes only the fields sent', async () => {
    const user = await createSignedInUser();
    await putProfile(user.access_token, { first_name: 'Grace', bio: 'Admiral' });
    const res = await putProfile(user.access_token, { last_name: 'Hopper' });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ first_name: 'Grace', last_name: 'Hopper', bio: 'Admiral' });
  });

  it('clears a field set to null', async () => {
    const user = await createSignedInUser();
    const username = uniqueUsername();
    await putProfile(user.access_token, { bio: 'to be removed', username, first_name: 'Kept' });
    const res = await putProfile(user.access_token, { bio: null, username: null });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ bio: null, username: null, first_name: 'Kept' });
    expect((await getProfile(user.access_token)).body.bio).toBeNull();
    // The cleared username is free for someone else.
    const other = await createSignedInUser();
    expect((await putProfile(other.access_token, { username })).status).toBe(200);
  });

  it('stores usernames in lower case and trims names', async () => {
    const user = await createSignedInUser();
    const username = uniqueUsername();
    const res = await putProfile(user.access_token, {
      username: username.toUpperCase(),
      first_name: '  Alan  ',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ username, first_name: 'Alan' });
  });

  it('answers 409 CONFLICT to a username another user has, in any case, and changes nothing', async () => {
    const owner = await createSignedInUser();
    const username = uniqueUsername();
    expect((await putProfile(owner.access_token, { username })).status).toBe(200);

    const other = await createSignedInUser();
    await putProfile(other.access_token, { bio: 'before' });
    for (const taken of [username, username.toUpperCase()]) {
      const res = await putProfile(other.access_token, { username: taken, bio: 'after' });
      expectError(res, 409, 'CONFLICT');
    }
    expect((await getProfile(other.access_token)).body).toMatchObject({
      username: null,
      bio: 'before',
    });
    expect((await getProfile(owner.access_token)).body.username).toBe(username);
  });

  it('lets a user send their own username again', async () => {
    const user = await createSignedInUser();
    const username = uniqueUsername();
    await putProfile(user.access_token, { username });
    const res = await putProfile(user.access_token, { username, bio: 'same name' });
    expect(res.status, res.text).toBe(200);
  });

  it('refuses unknown fields with 422 and applies none of the request', async () => {
    const user = await createSignedInUser();
    for (const [field, value] of [
      ['email', 'attacker@example.com'],
      ['role', 'admin'],
      ['roles', ['admin']],
      ['user_id', crypto.randomUUID()],
      ['email_verified', true],
      ['status', 'active'],
    ] as const) {
      const res = await putProfile(user.access_token, { bio: 'smuggled', [field]: value });
      const body = expectError(res, 422, 'VALIDATION_ERROR');
      expect(JSON.stringify(body.errors)).toContain(field);
    }
    expect((await getProfile(user.access_token)).body.bio).toBeNull();
    const me = await api('GET', '/auth/me', { token: user.access_token });
    expect(me.body).toMatchObject({ email: user.email, email_verified: false });
    expect(me.body.roles).not.toContain('admin');
  });

  it('accepts only https avatar URLs', async () => {
    const user = await createSignedInUser();
    for (const avatar_url of [
      'http://example.com/a.png',
      'javascript:alert(1)',
      'data:image/png;base64,AAAA',
      'ftp://example.com/a.png',
      '//example.com/a.png',
      'not a url',
      `https://example.com/${'a'.repeat(2100)}`,
    ]) {
      const res = await putProfile(user.access_token, { avatar_url });
      const body = expectError(res, 422, 'VALIDATION_ERROR');
      expect(body.errors[0].field, avatar_url).toBe('avatar_url');
    }
    expect((await getProfile(user.access_token)).body.avatar_url).toBeNull();
  });

  it('refuses over-long and malformed fields with 422', async () => {
    const user = await createSignedInUser();
    for (const [field, value] of [
      ['first_name', 'x'.repeat(101)],
      ['bio', 'x'.repeat(1001)],
      ['username', 'no spaces allowed'],
      ['username', 'ab'],
      ['first_name', 42],
      ['bio', { html: '<b>' }],
    ] as const) {
      const res = await putProfile(user.access_token, { [field]: value });
      const body = expectError(res, 422, 'VALIDATION_ERROR');
      expect(body.errors[0].field).toBe(field);
    }
  });

  it("only ever changes the caller's own profile", async () => {
    const alice = await createSignedInUser();
    const bob = await createSignedInUser();
    await putProfile(alice.access_token, { bio: 'alice' });
    expect((await getProfile(bob.access_token)).body.bio).toBeNull();
  });

  it('requires a live session', async () => {
    const user = await createSignedInUser();
    await api('POST', '/auth/logout', { token: user.access_token });
    expectError(await putProfile(user.access_token, { bio: 'late' }), 401, 'SESSION_REVOKED');
    expectError(await api('PUT', '/auth/profile', { json: { bio: 'anon' } }), 401, 'INVALID_TOKEN');
  });
});
