import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';

export { env };

type Json = Record<string, unknown> | unknown[];

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** Calls the worker through its real fetch handler, as an HTTP client would. */
export async function api<T = any>(
  method: string,
  path: string,
  options: { json?: Json; body?: BodyInit; token?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers = new Headers(options.headers);
  if (options.json !== undefined) headers.set('Content-Type', 'application/json');
  if (options.token) headers.set('Authorization', `Bearer ${options.token}`);
  const body = options.json !== undefined ? JSON.stringify(options.json) : options.body;
  const res = await exports.default.fetch(
    new Request(`http://auth.test${path}`, { method, headers, body }),
  );
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

let counter = 0;
/** A fresh address per call: tests never share users. */
export const uniqueEmail = (tag = 'user') =>
  `${tag}-${Date.now().toString(36)}-${(counter++).toString(36)}-${crypto.randomUUID().slice(0, 8)}@example.com`;

export const STRONG_PASSWORD = 'Vermilion-Otter-42';

/** Registers a user and returns its id, email and password. */
export async function createUser(overrides: { email?: string; password?: string } = {}) {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? STRONG_PASSWORD;
  const res = await api('POST', '/auth/register', { json: { email, password } });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.user_id as string, email, password };
}

/** Logs in and returns the token pair. */
export async function signIn(
  user: { email: string; password: string },
  headers?: Record<string, string>,
) {
  const res = await api('POST', '/auth/login', {
    json: { email: user.email, password: user.password },
    headers,
  });
  expect(res.status, res.text).toBe(200);
  return res.body as {
    access_token: string;
    refresh_token: string;
    token_type: string;
    expires_in: number;
  };
}

/** A registered and signed-in user. */
export async function createSignedInUser() {
  const user = await createUser();
  return { ...user, ...(await signIn(user)) };
}

/** Asserts the contract's error shape and returns the body. */
export function expectError(res: ApiResponse, status: number, code: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.body).toMatchObject({
    error_code: code,
    detail: expect.any(String),
    request_id: expect.any(String),
  });
  expect(res.text).not.toMatch(/\bat \S+:\d+|sqlite|SELECT |INSERT |D1_ERROR/i);
  return res.body;
}
