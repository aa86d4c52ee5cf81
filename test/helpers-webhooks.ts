import { expect } from 'vitest';
import { api, eventually } from './helpers';
import type { ReceivedCall } from './fake-webhooks';

export type { ReceivedCall };

const RECEIVER = 'https://hooks.receiver.test';

/** A receiver of its own at the network edge (test/fake-webhooks.ts): its id and URL. */
export function newReceiver() {
  const rid = `r${crypto.randomUUID().replaceAll('-', '')}`;
  return { rid, url: `${RECEIVER}/${rid}` };
}

/** The secrets a receiver verifies with, and its next answers ('500', 'hang', '302', ...). */
export async function scriptReceiver(rid: string, set: { secrets?: string[]; script?: string[] }) {
  const res = await fetch(`${RECEIVER}/_control/${rid}`, {
    method: 'POST',
    body: JSON.stringify(set),
  });
  expect(res.status).toBe(200);
}

/** Every request a receiver got. */
export async function callsOf(rid: string): Promise<ReceivedCall[]> {
  return (await fetch(`${RECEIVER}/_calls/${rid}`)).json();
}

/** The parsed body of a call. */
export const bodyOf = (call: ReceivedCall) =>
  JSON.parse(call.body) as { type: string; timestamp: string; data: Record<string, unknown> };

/** Waits until a receiver's calls satisfy `done` (deliveries run through the real queue). */
export async function waitForCalls(
  rid: string,
  done: (calls: ReceivedCall[]) => boolean,
  timeoutMs = 15_000,
) {
  let calls: ReceivedCall[] = [];
  await eventually(async () => done((calls = await callsOf(rid))), timeoutMs);
  expect(done(calls), JSON.stringify(calls, null, 1)).toBe(true);
  return calls;
}

/** Creates an endpoint through the API (201) and points its receiver at the secret. */
export async function createEndpoint(
  token: string,
  json: { event_types: string[]; organization_id?: string; description?: string },
) {
  const receiver = newReceiver();
  const res = await api('POST', '/webhooks/endpoints', {
    token,
    json: { url: receiver.url, ...json },
  });
  expect(res.status, res.text).toBe(201);
  await scriptReceiver(receiver.rid, { secrets: [res.body.secret] });
  return {
    ...receiver,
    id: res.body.endpoint_id as string,
    secret: res.body.secret as string,
  };
}

export interface DeliveryItem {
  delivery_id: string;
  message_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
}

/** An endpoint's delivery log (first page). */
export async function deliveriesOf(endpointId: string, token: string): Promise<DeliveryItem[]> {
  const res = await api('GET', `/webhooks/endpoints/${endpointId}/deliveries?limit=200`, {
    token,
  });
  expect(res.status, res.text).toBe(200);
  return res.body.items;
}

/** Waits until an endpoint's delivery log satisfies `done`. */
export async function waitForDeliveries(
  endpointId: string,
  token: string,
  done: (items: DeliveryItem[]) => boolean,
  timeoutMs = 15_000,
) {
  let items: DeliveryItem[] = [];
  await eventually(async () => done((items = await deliveriesOf(endpointId, token))), timeoutMs);
  expect(done(items), JSON.stringify(items, null, 1)).toBe(true);
  return items;
}
