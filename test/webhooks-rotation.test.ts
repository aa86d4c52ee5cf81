import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createDb } from '../src/db/client';
import { findEndpoint } from '../src/db/queries/webhooks';
import { DISABLE_AFTER_MS, retryDelaySeconds } from '../src/domain/webhooks/delivery';
import { signatureHeader, signingSecrets } from '../src/domain/webhooks/secrets';
import { loadKeyring } from '../src/lib/keyring';
import { api, env } from './helpers';
import { createSignedInAdmin } from './helpers-admin';
import { waitForMail } from './helpers-mail';
import {
  bodyOf,
  callsOf,
  createEndpoint,
  scriptReceiver,
  waitForCalls,
  waitForDeliveries,
} from './helpers-webhooks';

const HOUR = 3_600_000;

/** Which of `secrets` verify a signature header over (id, at, body), by recomputing it. */
const signedBy = (secrets: string[], header: string, id: string, at: Date, body: string) =>
  secrets.flatMap((s, i) =>
    header.split(' ').includes(new Webhook(s).sign(id, at, body)) ? [i] : [],
  );

describe('webhook secret rotation', () => {
  it('signs with both secrets during the 24 h overlap, and with the new one only after', async () => {
    const admin = await createSignedInAdmin();
    const ep = await createEndpoint(admin.access_token, { event_types: ['invitation.revoked'] });
    const rotated = await api('POST', `/webhooks/endpoints/${ep.id}/rotate-secret`, {
      token: admin.access_token,
    });
    expect(rotated.status, rotated.text).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(ep.secret);
    await scriptReceiver(ep.rid, { secrets: [ep.secret, fresh] });

    const sent = await api('POST', `/webhooks/endpoints/${ep.id}/test`, {
      token: admin.access_token,
    });
    const [call] = await waitForCalls(ep.rid, (c) => c.some((x) => x.id === sent.body.message_id));
    expect(call!.signature!.split(' ')).toHaveLength(2);
    // Webhook.verify, at the receiver: each secret on its own verifies the delivery.
    expect(call!.verified).toEqual([0, 1]);

    // Time as a parameter: the endpoint's secrets as the consumer reads them 25 hours on.
    const { keyring } = await loadKeyring(env.MFA_ENCRYPTION_KEY);
    const row = (await findEndpoint(createDb(env), ep.id))!;
    const now = Date.now();
    for (const [offset, expected] of [
      [23 * HOUR, [0, 1]],
      [25 * HOUR, [1]],
    ] as const) {
      const at = new Date(now + offset);
      const secrets = await signingSecrets(keyring!, row, at.getTime());
      const header = signatureHeader(secrets, 'msg_test', at, call!.body);
      expect(header.split(' ')).toHaveLength(expected.length);
      expect(signedBy([ep.secret, fresh], header, 'msg_test', at, call!.body)).toEqual(expected);
    }
  });
});

describe('webhook back-off and failing endpoints', () => {
  it('backs off exponentially for about a day over the default 8 attempts', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => retryDelaySeconds(30, n));
    expect(delays).toEqual([30, 120, 480, 1920, 7680, 30720, 43200]);
    const total = delays.reduce((a, b) => a + b, 0) / 3600;
    expect(total).toBeGreaterThan(20);
    expect(total).toBeLessThan(28);
  });

  it('disables an endpoint failing for 5 days, tells its creator, and sends it nothing more', async () => {
    const admin = await createSignedInAdmin();
    const ep = await createEndpoint(admin.access_token, { event_types: ['invitation.revoked'] });
    // Test-side arrangement: the endpoint has been failing for a little over 5 days.
    await env.DB.prepare('UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?')
      .bind(Date.now() - DISABLE_AFTER_MS - 60_000, ep.id)
      .run();
    await scriptReceiver(ep.rid, { script: ['500', '500', '500'] });
    const first = await api('POST', `/webhooks/endpoints/${ep.id}/test`, {
      token: admin.access_token,
    });
    await waitForCalls(ep.rid, (c) => c.some((x) => x.id === first.body.message_id));
    const [mail] = await waitForMail(admin.email, 'A webhook endpoint was disabled');
    expect(mail!.body).toContain(ep.url);
    const got = await api('GET', `/webhooks/endpoints/${ep.id}`, { token: admin.access_token });
    expect(got.body.disabled).toBe(true);

    const second = await api('POST', `/webhooks/endpoints/${ep.id}/test`, {
      token: admin.access_token,
    });
    await waitForDeliveries(ep.id, admin.access_token, (d) =>
      d.some((x) => x.message_id === second.body.message_id && x.status === 'failed'),
    );
    expect((await callsOf(ep.rid)).some((c) => c.id === second.body.message_id)).toBe(false);

    // Enabled again, it receives events and its failing days start afresh.
    const enabled = await api('PATCH', `/webhooks/endpoints/${ep.id}`, {
      token: admin.access_token,
      json: { disabled: false },
    });
    expect(enabled.body).toMatchObject({ disabled: false, failing_since: null });
    const third = await api('POST', `/webhooks/endpoints/${ep.id}/test`, {
      token: admin.access_token,
    });
    const calls = await waitForCalls(ep.rid, (c) => c.some((x) => x.id === third.body.message_id));
    expect(bodyOf(calls.find((c) => c.id === third.body.message_id)!).type).toBe('webhook.test');
  });
});
