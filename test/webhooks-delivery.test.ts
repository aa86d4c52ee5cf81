import { describe, expect, it } from 'vitest';
import { api, createSignedInUser, createUser, signIn } from './helpers';
import { createSignedInAdmin } from './helpers-admin';
import { createMfaUser } from './helpers-mfa';
import { addMember, createOrg } from './helpers-orgs';
import {
  bodyOf,
  callsOf,
  createEndpoint,
  deliveriesOf,
  scriptReceiver,
  waitForCalls,
  waitForDeliveries,
  type ReceivedCall,
} from './helpers-webhooks';

/** api.md "Webhooks": the event types every deployment delivers. */
const CONTRACT_TYPES = [
  'user.created',
  'user.updated',
  'user.deleted',
  'user.locked',
  'session.created',
  'session.revoked',
  'password.changed',
  'mfa.enabled',
  'mfa.disabled',
  'organization.created',
  'organization.deleted',
  'member.added',
  'member.updated',
  'member.removed',
  'invitation.created',
  'invitation.accepted',
];

const NEW_PASSWORD = 'Saffron-Heron-77';

/** The calls whose data names one of `ids` (user or organization ids). */
const about = (calls: ReceivedCall[], ids: string[]) =>
  calls.filter((c) => {
    const data = bodyOf(c).data;
    return ids.some((id) => data.user_id === id || data.organization_id === id);
  });

describe('webhook delivery', () => {
  it("delivers every event type of the contract's list, each signed and verified", async () => {
    const admin = await createSignedInAdmin();
    const ep = await createEndpoint(admin.access_token, { event_types: CONTRACT_TYPES });

    const owner = await createSignedInUser();
    const member = await createUser();
    const mfa = await createMfaUser();
    const removed = await api('DELETE', `/mfa/methods/${mfa.methodId}`, {
      token: mfa.access_token,
      json: { password: mfa.password },
    });
    expect(removed.status, removed.text).toBe(204);
    const locked = await createUser();
    for (let i = 0; i < 5; i++) {
      await api('POST', '/auth/login', { json: { email: locked.email, password: 'Wrong-Pass-1' } });
    }
    const profile = await api('PUT', '/auth/profile', {
      token: owner.access_token,
      json: { first_name: 'Ada' },
    });
    expect(profile.status, profile.text).toBe(200);
    const org = await createOrg(owner);
    await addMember(owner, org.id, member, 'member');
    const promoted = await api('PATCH', `/organizations/${org.id}/users/${member.id}`, {
      token: owner.access_token,
      json: { role: 'admin' },
    });
    expect(promoted.status, promoted.text).toBe(200);
    const dropped = await api('DELETE', `/organizations/${org.id}/users/${member.id}`, {
      token: owner.access_token,
    });
    expect(dropped.status, dropped.text).toBe(204);
    const gone = await api('DELETE', `/organizations/${org.id}`, { token: owner.access_token });
    expect(gone.status, gone.text).toBe(204);
    const changed = await api('POST', '/auth/change-password', {
      token: owner.access_token,
      json: { current_password: owner.password, new_password: NEW_PASSWORD },
    });
    expect(changed.status, changed.text).toBe(200);
    const again = await signIn({ email: owner.email, password: NEW_PASSWORD });
    expect((await api('POST', '/auth/logout', { token: again.access_token })).status).toBe(200);
    const last = await signIn({ email: member.email, password: member.password });
    const deleted = await api('DELETE', `/auth/users/${member.id}`, { token: last.access_token });
    expect(deleted.status, deleted.text).toBe(204);

    const ids = [owner.id, member.id, mfa.id, locked.id, org.id];
    const calls = await waitForCalls(
      ep.rid,
      (c) => {
        const types = new Set(about(c, ids).map((x) => bodyOf(x).type));
        return CONTRACT_TYPES.every((t) => types.has(t));
      },
      30_000,
    );
    const ours = about(calls, ids);
    for (const call of ours) {
      expect(call.verified, call.body).toEqual([0]);
      expect(call.id).toMatch(/^msg_/);
      expect(bodyOf(call).timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    const firstOf = (type: string) => ours.find((c) => bodyOf(c).type === type);
    expect(bodyOf(firstOf('user.locked')!).data).toEqual({ user_id: locked.id });
    expect(bodyOf(firstOf('member.updated')!).data).toMatchObject({
      organization_id: org.id,
      user_id: member.id,
      actor_id: owner.id,
      role: 'admin',
    });
    expect(bodyOf(firstOf('user.updated')!).data).toMatchObject({
      user_id: owner.id,
      change: 'profile',
      fields: ['first_name'],
    });
    // No address or IP leaves in a webhook.
    expect(ours.map((c) => c.body).join('\n')).not.toMatch(/@example\.com|"ip"/);
  });

  it('retries after a 500, a timeout, a redirect and a reset with the same webhook-id, then succeeds', async () => {
    const admin = await createSignedInAdmin();
    const ep = await createEndpoint(admin.access_token, { event_types: ['invitation.revoked'] });
    for (const failure of ['500', 'hang', '302', 'reset']) {
      await scriptReceiver(ep.rid, { script: [failure, '200'] });
      const before = (await callsOf(ep.rid)).filter((c) => !c.path.endsWith('/redirected'));
      const sent = await api('POST', `/webhooks/endpoints/${ep.id}/test`, {
        token: admin.access_token,
      });
      expect(sent.status, sent.text).toBe(202);
      const id = sent.body.message_id as string;
      const calls = await waitForCalls(
        ep.rid,
        (c) => c.filter((x) => x.id === id).length >= 2,
        20_000,
      );
      const attempts = calls.filter((x) => x.id === id);
      expect(attempts.map((a) => a.answer)).toEqual([failure, '200']);
      expect(attempts[0]!.body).toBe(attempts[1]!.body);
      for (const a of attempts) expect(a.verified).toEqual([0]);
      // The redirect was never followed.
      expect(calls.some((c) => c.path.endsWith('/redirected'))).toBe(false);
      expect(calls.length).toBe(before.length + 2);
      const log = await waitForDeliveries(ep.id, admin.access_token, (d) =>
        d.some((x) => x.message_id === id && x.status === 'succeeded'),
      );
      expect(log.find((x) => x.message_id === id)).toMatchObject({
        attempts: 2,
        last_status_code: 200,
      });
    }
  });

  it('records a dead delivery after the last attempt, and replays it with the same webhook-id', async () => {
    const admin = await createSignedInAdmin();
    const ep = await createEndpoint(admin.access_token, { event_types: ['invitation.revoked'] });
    // WEBHOOK_MAX_ATTEMPTS is 3 in the tests (vitest.config.ts).
    await scriptReceiver(ep.rid, { script: ['500', '503', '410'] });
    const sent = await api('POST', `/webhooks/endpoints/${ep.id}/test`, {
      token: admin.access_token,
    });
    const id = sent.body.message_id as string;
    const log = await waitForDeliveries(ep.id, admin.access_token, (d) =>
      d.some((x) => x.message_id === id && x.status === 'dead'),
    );
    const dead = log.find((x) => x.message_id === id)!;
    expect(dead).toMatchObject({ attempts: 3, last_status_code: 410, next_attempt_at: null });
    const calls = await callsOf(ep.rid);
    expect(calls.filter((c) => c.id === id).map((c) => c.answer)).toEqual(['500', '503', '410']);

    const replay = await api('POST', `/webhooks/deliveries/${dead.delivery_id}/replay`, {
      token: admin.access_token,
    });
    expect(replay.status, replay.text).toBe(202);
    const after = await waitForCalls(ep.rid, (c) => c.filter((x) => x.id === id).length === 4);
    const replayed = after.filter((x) => x.id === id).at(-1)!;
    expect(replayed.answer).toBe('200');
    expect(replayed.verified).toEqual([0]);
    await waitForDeliveries(ep.id, admin.access_token, (d) =>
      d.some((x) => x.delivery_id === dead.delivery_id && x.status === 'succeeded'),
    );
  });

  it('opens the circuit after 5 failures in a row: later attempts make no call', async () => {
    const admin = await createSignedInAdmin();
    const ep = await createEndpoint(admin.access_token, { event_types: ['invitation.revoked'] });
    await scriptReceiver(ep.rid, { script: ['500', '500', '500', '500', '500', '500', '500'] });
    const sendTest = async () => {
      const sent = await api('POST', `/webhooks/endpoints/${ep.id}/test`, {
        token: admin.access_token,
      });
      const id = sent.body.message_id as string;
      await waitForDeliveries(ep.id, admin.access_token, (d) =>
        d.some((x) => x.message_id === id && x.status === 'dead'),
      );
      return id;
    };
    // BREAKER_FAILURE_THRESHOLD is 5: the first event's 3 attempts and two of the second's.
    await sendTest();
    const second = await sendTest();
    const calls = await callsOf(ep.rid);
    expect(calls).toHaveLength(5);
    const log = await deliveriesOf(ep.id, admin.access_token);
    expect(log.find((x) => x.message_id === second)).toMatchObject({
      attempts: 3,
      last_status_code: null,
      last_error: expect.stringContaining('circuit open'),
    });
  });

  it("sends an organization's endpoint only that organization's events", async () => {
    const [ownerA, ownerB, joiner] = await Promise.all([
      createSignedInUser(),
      createSignedInUser(),
      createUser(),
    ]);
    const [orgA, orgB] = await Promise.all([createOrg(ownerA), createOrg(ownerB)]);
    const types = ['member.added', 'invitation.created', 'invitation.accepted', 'user.created'];
    const epA = await createEndpoint(ownerA.access_token, {
      event_types: types,
      organization_id: orgA.id,
    });
    await addMember(ownerB, orgB.id, joiner, 'member');
    await addMember(ownerA, orgA.id, joiner, 'viewer');
    const calls = await waitForCalls(
      epA.rid,
      (c) => c.some((x) => bodyOf(x).type === 'member.added'),
      20_000,
    );
    // Let any stray delivery of B's events arrive before looking for it.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const all = await callsOf(epA.rid);
    expect(all.length).toBeGreaterThanOrEqual(calls.length);
    for (const call of all) {
      expect(bodyOf(call).data.organization_id).toBe(orgA.id);
      expect(call.verified).toEqual([0]);
    }
    expect(new Set(all.map((c) => bodyOf(c).type))).toEqual(
      new Set(['member.added', 'invitation.created', 'invitation.accepted']),
    );
  });

  it('stops delivering when the organization is deleted, or the endpoint', async () => {
    const owner = await createSignedInUser();
    const org = await createOrg(owner);
    const admin = await createSignedInAdmin();
    const orgEndpoint = await createEndpoint(owner.access_token, {
      event_types: ['member.added'],
      organization_id: org.id,
    });
    const deploymentEndpoint = await createEndpoint(admin.access_token, {
      event_types: ['invitation.revoked'],
    });
    const cases = [
      { ep: orgEndpoint, token: owner.access_token, remove: `/organizations/${org.id}` },
      {
        ep: deploymentEndpoint,
        token: admin.access_token,
        remove: `/webhooks/endpoints/${deploymentEndpoint.id}`,
      },
    ];
    for (const { ep, token, remove } of cases) {
      // The first attempt hangs past the timeout; the owner deletes while it is in flight, so
      // the retry that follows at once finds nothing to send.
      await scriptReceiver(ep.rid, { script: ['hang'] });
      const sent = await api('POST', `/webhooks/endpoints/${ep.id}/test`, { token });
      const id = sent.body.message_id as string;
      await waitForCalls(ep.rid, (c) => c.some((x) => x.id === id));
      const [delivery] = await waitForDeliveries(ep.id, token, (d) => d.length > 0);
      const gone = await api('DELETE', remove, { token });
      expect(gone.status, gone.text).toBe(204);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect((await callsOf(ep.rid)).filter((x) => x.id === id)).toHaveLength(1);
      const log = await api('GET', `/webhooks/endpoints/${ep.id}/deliveries`, { token });
      expect(log.status).toBe(404);
      const replay = await api('POST', `/webhooks/deliveries/${delivery!.delivery_id}/replay`, {
        token,
      });
      expect(replay.status, replay.text).toBe(404);
    }
  });
});
