import {
  createExecutionContext,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { decodeJwt } from 'jose';
import { expect } from 'vitest';
import worker from '../src/index';
import { importPepper, type PasswordHasher } from '../src/lib/password';

export { env };

type Json = Record<string, unknown> | unknown[];

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

type RequestOptions = {
  json?: Json;
  body?: BodyInit;
  token?: string;
  headers?: Record<string, string>;
  /** 'manual' to see a redirect itself (the hosted pages' 303s) instead of where it leads. */
  redirect?: 'follow' | 'manual';
};

function buildRequest(method: string, path: string, options: RequestOptions): Request {
  const headers = new Headers(options.headers);
  if (options.json !== undefined) headers.set('Content-Type', 'application/json');
  if (options.token) headers.set('Authorization', `Bearer ${options.token}`);
  const body = options.json !== undefined ? JSON.stringify(options.json) : options.body;
  return new Request(`http://auth.test${path}`, {
    method,
    headers,
    body,
    redirect: options.redirect,
  });
}

async function readResponse<T>(res: Response): Promise<ApiResponse<T>> {
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

let fileOverrides: Record<string, unknown> | null = null;

/**
 * Every api() call of the calling test file runs with these vars (apiWithEnv). For the files
 * about hashing and limits, which put PBKDF2_ITERATIONS back at production's 100,000: the
 * workerd project binds a cheaper count (vitest.config.ts). Each test file has its own module
 * instance, so this never reaches another file.
 */
export const useVarsForThisFile = (overrides: Record<string, unknown>) => {
  fileOverrides = overrides;
};

/** The production cost of a hash (the cap, lib/password.ts), for useVarsForThisFile. */
export const PRODUCTION_HASHING = { PBKDF2_ITERATIONS: '100000' };

/** Calls the worker through its real fetch handler, as an HTTP client would. */
export async function api<T = any>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse<T>> {
  if (fileOverrides) return apiWithEnv<T>(fileOverrides, method, path, options);
  return readResponse<T>(await exports.default.fetch(buildRequest(method, path, options)));
}

/**
 * Calls the worker's fetch handler with a modified environment (vars and secrets overridden),
 * the way a deployment with that configuration would start. Config is cached per env object,
 * so each call sees a fresh parse of `overrides`.
 */
export async function apiWithEnv<T = any>(
  overrides: Record<string, unknown>,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    buildRequest(method, path, options),
    { ...env, ...fileOverrides, ...overrides },
    ctx,
  );
  const parsed = await readResponse<T>(res);
  await waitOnExecutionContext(ctx);
  return parsed;
}

/** The password hasher the worker uses (same pepper), at the given iteration count. */
export async function testHasher(iterations = 100_000): Promise<PasswordHasher> {
  const secret = String(env.PASSWORD_PEPPER ?? '').trim();
  return { iterations, pepper: await importPepper(new TextEncoder().encode(secret)) };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (for waitUntil work). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Median of a list of numbers. */
export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

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

/**
 * A D1 binding that cannot be reached: every query throws. The database is an outside
 * dependency, and the binding is the only boundary where a test can make it fail, so the worker
 * is called with this binding in place of the real one; everything else (our code, the
 * SessionStore) runs for real.
 */
const unreachable = () => {
  throw new Error('D1_ERROR: Network connection lost.');
};
export const unreachableD1 = {
  prepare: unreachable,
  batch: unreachable,
  exec: unreachable,
  dump: unreachable,
  withSession: unreachable,
} as unknown as D1Database;

/**
 * Makes the session of `accessToken` look as if its sign-in was `minutes` ago (test-side
 * arrangement of the SessionStore's row, the state a session has after that long).
 */
export async function ageSession(userId: string, accessToken: string, minutes: number) {
  const sid = String(decodeJwt(accessToken).sid);
  const stub = env.SESSIONS.get(env.SESSIONS.idFromName(userId));
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec(
      'UPDATE sessions SET created_at = created_at - ? WHERE id = ?',
      minutes * 60_000,
      sid,
    );
  });
}
