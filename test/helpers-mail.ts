import { expect } from 'vitest';
import { api, apiWithEnv, eventually, type ApiResponse } from './helpers';

/** One message of GET /dev/outbox. */
export interface OutboxMessage {
  id: string;
  channel: 'email' | 'sms';
  to: string;
  subject: string | null;
  body: string;
  created_at: string;
}

export const RESET_SUBJECT = 'Reset your password';
export const VERIFY_SUBJECT = 'Confirm your email address';

/** The development outbox for an address, newest first (GET /dev/outbox?to=). */
export async function outbox(address: string, subject?: string): Promise<OutboxMessage[]> {
  const res = await api<{ items: OutboxMessage[] }>(
    'GET',
    `/dev/outbox?to=${encodeURIComponent(address)}&limit=200`,
  );
  expect(res.status, res.text).toBe(200);
  return subject === undefined
    ? res.body.items
    : res.body.items.filter((m) => m.subject === subject);
}

/**
 * Waits until the outbox holds at least `count` messages with `subject` for `address` (sends run
 * in waitUntil, after the response) and returns them, newest first.
 */
export async function waitForMail(
  address: string,
  subject: string,
  count = 1,
): Promise<OutboxMessage[]> {
  let messages: OutboxMessage[] = [];
  await eventually(async () => {
    messages = await outbox(address, subject);
    return messages.length >= count;
  });
  expect(messages.length, `messages "${subject}" to ${address}`).toBeGreaterThanOrEqual(count);
  return messages;
}

/** The token of the link in a message body (`...?token=<token>`). */
export function linkToken(message: { body?: string; text?: string }): string {
  const text = message.body ?? message.text ?? '';
  const match = /[?&]token=([A-Za-z0-9_-]+)/.exec(text);
  expect(match, `a link with a token in: ${text}`).not.toBeNull();
  return match![1]!;
}

/** The token of the newest message with `subject` to `address`, once it has arrived. */
export async function latestToken(address: string, subject: string, count = 1) {
  const [newest] = await waitForMail(address, subject, count);
  return linkToken(newest!);
}

/**
 * Calls the worker and returns only once its waitUntil work (the sends) has finished, so a test
 * can assert that a message did NOT go out. Same configuration as the deployed worker.
 */
export const settled = <T = any>(
  method: string,
  path: string,
  options: Parameters<typeof api>[2] = {},
): Promise<ApiResponse<T>> => apiWithEnv<T>({}, method, path, options);

/** A call the fake email/SMS provider recorded (test/fake-provider.ts). */
export interface ProviderCall {
  provider: 'resend' | 'twilio';
  to: string;
  subject?: string;
  text: string;
  status: number;
}

/** Every call the fake providers received for a recipient, oldest first. */
export async function providerCalls(to: string): Promise<ProviderCall[]> {
  const res = await fetch(`http://fake-provider.test/calls?to=${encodeURIComponent(to)}`);
  expect(res.status).toBe(200);
  return res.json<ProviderCall[]>();
}

/** A fresh address at the fake provider's failing domain (its calls answer 503). */
export const downEmail = (tag = 'down') =>
  `${tag}-${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}@down.test`;

/** A random documentation address (RFC 5737), so per-IP limits never collide between tests. */
export const testIp = () => `203.0.113.${1 + Math.floor(Math.random() * 253)}`;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
