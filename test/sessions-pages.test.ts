import { describe, expect, it } from 'vitest';
import { api, createUser, expectError, signIn } from './helpers';

type Page = {
  items: { id: string; created_at: string; current: boolean }[];
  next_cursor: string | null;
};

/** A user with `count` sessions; returns the newest session's access token. */
async function userWithSessions(count: number) {
  const user = await createUser();
  let token = '';
  for (let i = 0; i < count; i++) token = (await signIn(user)).access_token;
  return token;
}

// docs/api.md "Conventions": ?limit= and an opaque ?cursor=, answered with { items, next_cursor }.
describe('GET /auth/sessions pages', () => {
  it('walks every session once, newest first, with limit and cursor', async () => {
    const token = await userWithSessions(5);
    const all = await api<Page>('GET', '/auth/sessions', { token });
    expect(all.status, all.text).toBe(200);
    expect(all.body.items).toHaveLength(5);
    expect(all.body.next_cursor).toBeNull();

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await api<Page>('GET', `/auth/sessions${query}`, { token });
      expect(page.status, page.text).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((s) => s.id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.body.items.map((s) => s.id));
    expect(all.body.items[0]?.current).toBe(true);
  });

  it('ends with next_cursor null when the page holds the rest exactly', async () => {
    const token = await userWithSessions(2);
    const page = await api<Page>('GET', '/auth/sessions?limit=2', { token });
    expect(page.body.items).toHaveLength(2);
    expect(page.body.next_cursor).toBeNull();
  });

  it('refuses a forged cursor (400) and a limit out of range (422)', async () => {
    const token = await userWithSessions(1);
    expectError(
      await api('GET', '/auth/sessions?cursor=not-a-cursor', { token }),
      400,
      'BAD_REQUEST',
    );
    expectError(await api('GET', '/auth/sessions?limit=0', { token }), 422, 'VALIDATION_ERROR');
    expectError(await api('GET', '/auth/sessions?limit=201', { token }), 422, 'VALIDATION_ERROR');
  });
});
