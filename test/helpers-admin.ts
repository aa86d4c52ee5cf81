import { expect } from 'vitest';
import { api, createSignedInUser, env, eventually, signIn, type ApiResponse } from './helpers';
import { keyOf, type TestService } from './service-keys';

/** Headers of a service call with a configured API key (`billing` holds every scope). */
export const serviceHeaders = (name: TestService = 'billing') => ({
  'X-API-Key': keyOf(name),
});

/**
 * Gives a user a global role by writing the user_roles row directly: test-side arrangement of
 * state, the same row an admin's POST /admin/users/{id}/roles would write.
 */
export async function grantRoleInDb(userId: string, role: string) {
  await env.DB.prepare(
    'INSERT OR IGNORE INTO user_roles (user_id, role, created_at) VALUES (?, ?, ?)',
  )
    .bind(userId, role, Date.now())
    .run();
}

/** A registered, signed-in user who holds the admin role (granted in D1 before signing in). */
export async function createSignedInAdmin() {
  const user = await createSignedInUser();
  await grantRoleInDb(user.id, 'admin');
  return { ...user, ...(await signIn(user)) };
}

/** An access token's session is live: GET /auth/verify answers 200 (else the status). */
export async function verifyStatus(token: string) {
  return (await api('GET', '/auth/verify', { token })).status;
}

/** Asserts every token is refused by /auth/verify with 401 SESSION_REVOKED. */
export async function expectAllRevoked(tokens: string[]) {
  for (const token of tokens) {
    const res = await api('GET', '/auth/verify', { token });
    expect(res.status, res.text).toBe(401);
    expect(res.body.error_code).toBe('SESSION_REVOKED');
  }
}

export interface ActivityEntry {
  id: string;
  action: string;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string;
  metadata: Record<string, unknown>;
  created_at: string;
}

/** One page of GET /users/{id}/activity. */
export function activityPage(
  userId: string,
  token: string,
  query = '',
): Promise<ApiResponse<{ items: ActivityEntry[]; next_cursor: string | null }>> {
  return api('GET', `/users/${userId}/activity${query}`, { token });
}

/**
 * Polls the user's activity (up to 200 entries) until `done` holds for the items; audits are
 * written after the response (waitUntil). Returns the last items seen.
 */
export async function waitForActivity(
  userId: string,
  token: string,
  done: (items: ActivityEntry[]) => boolean,
): Promise<ActivityEntry[]> {
  let items: ActivityEntry[] = [];
  await eventually(async () => {
    const res = await activityPage(userId, token, '?limit=200');
    expect(res.status, res.text).toBe(200);
    items = res.body.items;
    return done(items);
  });
  return items;
}

/** Waits until the user's activity holds every named action, and returns the entries. */
export async function waitForActions(userId: string, token: string, actions: string[]) {
  const items = await waitForActivity(userId, token, (list) =>
    actions.every((a) => list.some((e) => e.action === a)),
  );
  expect(items.map((e) => e.action)).toEqual(expect.arrayContaining(actions));
  return items;
}
