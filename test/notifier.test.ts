import { runInDurableObject } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDb } from '../src/db/client';
import { getConfig } from '../src/config';
import {
  acquire,
  CLOSED,
  record,
  retryAfter,
  upgradeState,
  type BreakerConfig,
  type BreakerState,
} from '../src/durable-objects/circuit-breaker/logic';
import { createLogger } from '../src/lib/logger';
import { notify, type NotifierDeps } from '../src/domain/notifications';
import { api, apiWithEnv, createUser, env, uniqueEmail } from './helpers';
import { downEmail, linkToken, outbox, providerCalls, RESET_SUBJECT, sleep } from './helpers-mail';

const K = 3;
const COOLDOWN = 1_000;
const cfg: BreakerConfig = { threshold: K, cooldownMs: COOLDOWN };

/** Lets one call through at `now` and records its outcome at once (a call with no overlap). */
const call = (state: BreakerState, ok: boolean, now = 0) => {
  const out = acquire(state, cfg, now);
  if (!out.allowed) throw new Error(`circuit refused the call: ${JSON.stringify(state)}`);
  return record(out.state, cfg, out.ticket, ok, now);
};

/** The state after `n` failed calls from `state`, each at `now`. */
const failures = (n: number, state: BreakerState = CLOSED, now = 0) => {
  let s = state;
  for (let i = 0; i < n; i++) s = call(s, false, now);
  return s;
};

/** Acquires at `now`, expecting the call to be let through; returns its ticket and the state. */
const letThrough = (state: BreakerState, now: number) => {
  const out = acquire(state, cfg, now);
  expect(out.allowed).toBe(true);
  if (!out.allowed) throw new Error('refused');
  return out;
};

describe('circuit breaker (pure functions)', () => {
  it('lets calls through while closed, below the failure threshold', () => {
    const state = failures(K - 1);
    expect(state).toEqual({ status: 'closed', failures: K - 1, generation: 0 });
    expect(acquire(state, cfg, 0)).toEqual({ allowed: true, ticket: 0, state });
  });

  it(`opens after ${K} consecutive failures, at the time of the last one`, () => {
    const state = call(failures(K - 1), false, 5_000);
    expect(state).toEqual({ status: 'open', openedAt: 5_000, generation: 1 });
  });

  it('opens on the first failure with a threshold of 1', () => {
    const one = { threshold: 1, cooldownMs: COOLDOWN };
    expect(record(CLOSED, one, CLOSED.generation, false, 7)).toEqual({
      status: 'open',
      openedAt: 7,
      generation: 1,
    });
  });

  it('resets the count after a success, so only consecutive failures open it', () => {
    let state = failures(K - 1);
    state = call(state, true);
    expect(state).toEqual(CLOSED);
    state = failures(K - 1, state);
    expect(state.status).toBe('closed');
    expect(acquire(state, cfg, 0).allowed).toBe(true);
    expect(call(state, false).status).toBe('open');
  });

  it('refuses every call while open, until the cool-down has passed', () => {
    const open: BreakerState = { status: 'open', openedAt: 10_000, generation: 1 };
    for (const now of [10_000, 10_500, 10_000 + COOLDOWN - 1]) {
      expect(acquire(open, cfg, now)).toEqual({ allowed: false, state: open });
    }
  });

  it('lets exactly one probe through once the cool-down has passed (half-open), with a ticket of its own', () => {
    const open: BreakerState = { status: 'open', openedAt: 10_000, generation: 1 };
    const probe = acquire(open, cfg, 10_000 + COOLDOWN);
    expect(probe).toEqual({
      allowed: true,
      ticket: 2,
      state: { status: 'half_open', probeAt: 10_000 + COOLDOWN, generation: 2 },
    });
    // While the probe is out, every other caller is refused.
    for (const now of [10_000 + COOLDOWN, 10_000 + COOLDOWN + 1, 10_000 + 2 * COOLDOWN - 1]) {
      expect(acquire(probe.state, cfg, now)).toEqual({ allowed: false, state: probe.state });
    }
  });

  it('closes when the probe succeeds', () => {
    const halfOpen: BreakerState = { status: 'half_open', probeAt: 1_000, generation: 2 };
    const state = record(halfOpen, cfg, 2, true, 1_200);
    expect(state).toEqual({ status: 'closed', failures: 0, generation: 3 });
    expect(acquire(state, cfg, 1_200).allowed).toBe(true);
  });

  it('re-opens, with a fresh cool-down, when the probe fails', () => {
    const halfOpen: BreakerState = { status: 'half_open', probeAt: 1_000, generation: 2 };
    const state = record(halfOpen, cfg, 2, false, 1_200);
    expect(state).toEqual({ status: 'open', openedAt: 1_200, generation: 3 });
    expect(acquire(state, cfg, 1_200 + COOLDOWN - 1).allowed).toBe(false);
    expect(acquire(state, cfg, 1_200 + COOLDOWN).allowed).toBe(true);
  });

  it('retries a probe that never reported back, once a cool-down has passed since it left', () => {
    const halfOpen: BreakerState = { status: 'half_open', probeAt: 1_000, generation: 2 };
    expect(acquire(halfOpen, cfg, 1_000 + COOLDOWN - 1).allowed).toBe(false);
    expect(acquire(halfOpen, cfg, 1_000 + COOLDOWN)).toEqual({
      allowed: true,
      ticket: 3,
      state: { status: 'half_open', probeAt: 1_000 + COOLDOWN, generation: 3 },
    });
  });

  it('ignores a success from before the circuit opened: it cannot close the open circuit', () => {
    // A slow call leaves while closed; K quick failures open the circuit meanwhile.
    const slow = letThrough(CLOSED, 0);
    const open = failures(K, slow.state, 10);
    expect(open.status).toBe('open');
    expect(record(open, cfg, slow.ticket, true, 20)).toEqual(open);
  });

  it('ignores a success from before the circuit opened while a probe is out: only the probe decides', () => {
    const slow = letThrough(CLOSED, 0);
    const open = failures(K, slow.state, 10);
    const probe = letThrough(open, 10 + COOLDOWN);
    expect(record(probe.state, cfg, slow.ticket, true, 10 + COOLDOWN + 1)).toEqual(probe.state);
    // The probe's own failure still re-opens it.
    expect(record(probe.state, cfg, probe.ticket, false, 10 + COOLDOWN + 2).status).toBe('open');
  });

  it('ignores the late outcome of a probe that a retried probe replaced', () => {
    const open: BreakerState = { status: 'open', openedAt: 0, generation: 1 };
    const lost = letThrough(open, COOLDOWN);
    const retried = letThrough(lost.state, 2 * COOLDOWN);
    expect(retried.ticket).not.toBe(lost.ticket);
    // The first probe's success arrives late: the circuit stays half-open on the retried probe.
    expect(record(retried.state, cfg, lost.ticket, true, 2 * COOLDOWN + 1)).toEqual(retried.state);
    expect(record(retried.state, cfg, retried.ticket, true, 2 * COOLDOWN + 2).status).toBe(
      'closed',
    );
  });

  it('ignores a failure from before a recovery: it counts for nothing in the new closed period', () => {
    const slow = letThrough(CLOSED, 0);
    const open = failures(K, slow.state, 10);
    const probe = letThrough(open, 10 + COOLDOWN);
    const closed = record(probe.state, cfg, probe.ticket, true, 10 + COOLDOWN);
    expect(closed.status).toBe('closed');
    expect(record(closed, cfg, slow.ticket, false, 10 + COOLDOWN + 1)).toEqual(closed);
  });

  it('reads a state stored before tickets existed as generation 0', () => {
    const legacy = { status: 'open', openedAt: 5 } as unknown as BreakerState;
    expect(upgradeState(legacy)).toEqual({ status: 'open', openedAt: 5, generation: 0 });
    expect(upgradeState(undefined)).toEqual(CLOSED);
  });

  it('says how long until a probe may go (Retry-After seconds, at least 1), 0 when closed', () => {
    const slow: BreakerConfig = { threshold: K, cooldownMs: 30_000 };
    const open = (openedAt: number): BreakerState => ({ status: 'open', openedAt, generation: 1 });
    expect(retryAfter(CLOSED, slow, 0)).toBe(0);
    expect(retryAfter({ status: 'closed', failures: 2, generation: 0 }, slow, 0)).toBe(0);
    expect(retryAfter(open(0), slow, 0)).toBe(30);
    expect(retryAfter(open(0), slow, 10_500)).toBe(20);
    expect(retryAfter(open(0), slow, 29_999)).toBe(1);
    expect(retryAfter(open(0), slow, 45_000)).toBe(1);
    expect(retryAfter({ status: 'half_open', probeAt: 1_000, generation: 2 }, slow, 1_000)).toBe(
      30,
    );
  });
});

/** Forgets a breaker's state (test-side arrangement: each test starts from a closed circuit). */
const resetBreaker = (name: string) =>
  runInDurableObject(env.BREAKERS.get(env.BREAKERS.idFromName(name)), (_instance, state) => {
    state.storage.kv.delete('state');
  });

describe('CircuitBreaker Durable Object', () => {
  const breaker = () => env.BREAKERS.get(env.BREAKERS.idFromName(`unit-${crypto.randomUUID()}`));

  /** Acquires through the object, expecting a ticket. */
  const ticketOf = async (b: ReturnType<typeof breaker>, now: number) => {
    const out = await b.acquire(cfg, now);
    if (!out.allowed) throw new Error('refused');
    return out.ticket;
  };

  it('keeps the state across calls: opens after K failures and refuses until the cool-down', async () => {
    const b = breaker();
    for (let i = 0; i < K; i++) await b.record(cfg, await ticketOf(b, 100), false, 100);
    expect(await b.status()).toEqual({ status: 'open', openedAt: 100, generation: 1 });
    // A refusal says when the probe may go: 1 ms left is 1 s of Retry-After.
    expect(await b.acquire(cfg, 100 + COOLDOWN - 1)).toEqual({
      allowed: false,
      state: 'open',
      retryAfter: 1,
    });
    expect(await b.acquire(cfg, 100 + COOLDOWN)).toEqual({
      allowed: true,
      ticket: 2,
      state: 'half_open',
      clean: false,
    });
    expect(await b.record(cfg, 2, true, 100 + COOLDOWN)).toBe('closed');
  });

  it('says when a success would change nothing: closed, with no failure counted', async () => {
    const b = breaker();
    expect(await b.acquire(cfg, 0)).toMatchObject({ allowed: true, state: 'closed', clean: true });
    await b.record(cfg, await ticketOf(b, 0), false, 0);
    expect(await b.acquire(cfg, 0)).toMatchObject({ allowed: true, state: 'closed', clean: false });
  });

  it('lets exactly one of many concurrent callers probe a half-open circuit', async () => {
    const b = breaker();
    for (let i = 0; i < K; i++) await b.record(cfg, await ticketOf(b, 0), false, 0);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => b.acquire(cfg, COOLDOWN + 5)),
    );
    expect(answers.filter((a) => a.allowed)).toHaveLength(1);
    expect(await b.status()).toEqual({ status: 'half_open', probeAt: COOLDOWN + 5, generation: 2 });
  });

  it("ignores an outcome whose ticket is not the current probe's", async () => {
    const b = breaker();
    const slow = await ticketOf(b, 0);
    for (let i = 0; i < K; i++) await b.record(cfg, await ticketOf(b, 0), false, 0);
    const probe = await ticketOf(b, COOLDOWN);
    expect(await b.record(cfg, slow, true, COOLDOWN + 1)).toBe('half_open');
    expect(await b.record(cfg, probe, true, COOLDOWN + 2)).toBe('closed');
  });
});

// End to end over HTTP: the email provider is Resend, faked at the network edge
// (test/fake-provider.ts: recipients at @down.test get 503).
const RESEND = {
  EMAIL_PROVIDER: 'resend',
  RESEND_API_KEY: 'test-key',
  BREAKER_FAILURE_THRESHOLD: String(K),
  BREAKER_COOLDOWN_SECONDS: String(COOLDOWN / 1000),
};

/** forgot-password under the Resend configuration; returns once the send has been attempted. */
const forgotViaResend = (email: string) =>
  apiWithEnv(RESEND, 'POST', '/auth/forgot-password', { json: { email } });

/** The one circuit of the Resend provider, shared by every request of this test file. */
const resendBreaker = () => env.BREAKERS.get(env.BREAKERS.idFromName('email:resend'));

/** Registered users (their verification emails go to the development outbox, not Resend). */
const usersAt = async (make: () => string, n: number) => {
  const list = [];
  for (let i = 0; i < n; i++) list.push(await createUser({ email: make() }));
  return list;
};

/** Trips the circuit: K forgot-password requests whose sends fail. Returns their answers. */
async function openCircuit() {
  const answers = [];
  for (const user of await usersAt(downEmail, K)) {
    const res = await forgotViaResend(user.email);
    answers.push(res);
    const calls = await providerCalls(user.email);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.status).toBe(503);
  }
  expect((await resendBreaker().status()).status).toBe('open');
  return answers;
}

describe('notifier behind the circuit breaker, end to end (Resend faked at the network edge)', () => {
  beforeEach(() => resetBreaker('email:resend'));

  it('sends the reset email as a Resend API call: to, subject and a text carrying the link', async () => {
    const [user] = await usersAt(uniqueEmail, 1);
    const res = await forgotViaResend(user!.email);
    expect(res.status).toBe(202);

    const calls = await providerCalls(user!.email);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      provider: 'resend',
      to: user!.email,
      subject: RESET_SUBJECT,
      status: 200,
    });
    expect(calls[0]!.text).toMatch(
      /http:\/\/localhost:3000\/reset-password\?token=[A-Za-z0-9_-]{43}/,
    );
    // The provider, not the development outbox, carried it.
    expect(await outbox(user!.email, RESET_SUBJECT)).toEqual([]);
    // And the link in what the provider received works.
    const reset = await api('POST', '/auth/reset-password', {
      json: { token: linkToken(calls[0]!), new_password: 'Provider-Link-31' },
    });
    expect(reset.status, reset.text).toBe(200);
  });

  it(`opens after ${K} failed sends; while open no provider call is made and the answer is the same 202; after the cool-down a probe goes through and closes it`, async () => {
    const [healthy, probe, after] = await usersAt(uniqueEmail, 3);
    const failingAnswers = await openCircuit();

    // Open: the send is dropped before any call leaves the worker.
    const whileOpen = await forgotViaResend(healthy!.email);
    expect(whileOpen.status).toBe(202);
    for (const failing of failingAnswers) expect(whileOpen.text).toBe(failing.text);
    await sleep(100);
    expect(await providerCalls(healthy!.email)).toEqual([]);
    expect(await outbox(healthy!.email, RESET_SUBJECT)).toEqual([]);
    expect((await resendBreaker().status()).status).toBe('open');

    await sleep(COOLDOWN + 100);

    // Half-open: this send is the probe; it reaches the provider and succeeds.
    const probed = await forgotViaResend(probe!.email);
    expect(probed.text).toBe(whileOpen.text);
    const probeCalls = await providerCalls(probe!.email);
    expect(probeCalls).toHaveLength(1);
    expect(probeCalls[0]).toMatchObject({ to: probe!.email, subject: RESET_SUBJECT, status: 200 });
    expect(await resendBreaker().status()).toMatchObject({ status: 'closed', failures: 0 });

    // Closed again: the next send goes through at once.
    await forgotViaResend(after!.email);
    expect(await providerCalls(after!.email)).toMatchObject([{ status: 200 }]);
  });

  it('re-opens when the half-open probe fails, and makes no call until the next cool-down', async () => {
    const [probe] = await usersAt(downEmail, 1);
    const [blocked, later] = await usersAt(uniqueEmail, 2);
    await openCircuit();
    await sleep(COOLDOWN + 100);

    await forgotViaResend(probe!.email);
    expect(await providerCalls(probe!.email)).toMatchObject([{ status: 503 }]);
    expect((await resendBreaker().status()).status).toBe('open');

    expect((await forgotViaResend(blocked!.email)).status).toBe(202);
    expect(await providerCalls(blocked!.email)).toEqual([]);

    await sleep(COOLDOWN + 100);
    await forgotViaResend(later!.email);
    expect(await providerCalls(later!.email)).toMatchObject([{ status: 200 }]);
    expect((await resendBreaker().status()).status).toBe('closed');
  });

  it('does not open on failures that a success interrupts', async () => {
    const down = await usersAt(downEmail, 2 * (K - 1));
    const [ok, last] = await usersAt(uniqueEmail, 2);
    for (const user of down.slice(0, K - 1)) await forgotViaResend(user.email);
    await forgotViaResend(ok!.email);
    expect(await providerCalls(ok!.email)).toMatchObject([{ status: 200 }]);
    for (const user of down.slice(K - 1)) await forgotViaResend(user.email);
    expect(await resendBreaker().status()).toMatchObject({ status: 'closed', failures: K - 1 });

    await forgotViaResend(last!.email);
    expect(await providerCalls(last!.email)).toMatchObject([{ status: 200 }]);
  });
});

describe('notify() over the SMS channel (Twilio faked at the network edge)', () => {
  const twilioDeps = (): NotifierDeps => {
    const config = getConfig({
      ...env,
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: 'AC0123456789',
      TWILIO_AUTH_TOKEN: 'twilio-test-token',
      SMS_FROM: '+15550100000',
      BREAKER_FAILURE_THRESHOLD: '2',
      BREAKER_COOLDOWN_SECONDS: '60',
    });
    if (!config.ok) throw new Error(config.problems.join('; '));
    return {
      config,
      db: createDb(env),
      breakers: env.BREAKERS,
      logger: createLogger('notifier-test'),
    };
  };
  beforeEach(() => resetBreaker('sms:twilio'));

  const phone = (suffix: string) => `+1555${Math.floor(Math.random() * 900 + 100)}${suffix}`;

  it('sends an SMS as a Twilio Messages call and reports it sent', async () => {
    const to = phone('1234');
    const outcome = await notify(twilioDeps(), { channel: 'sms', to, text: 'Your code is 123456' });
    expect(outcome).toBe('sent');
    expect(await providerCalls(to)).toEqual([
      { provider: 'twilio', to, text: 'Your code is 123456', status: 200 },
    ]);
  });

  it('has a circuit of its own: failed SMS open it, while email through Resend still goes out', async () => {
    const deps = twilioDeps();
    const outcomes = [];
    for (let i = 0; i < 2; i++)
      outcomes.push(await notify(deps, { channel: 'sms', to: phone('0000'), text: 'x' }));
    expect(outcomes).toEqual(['failed', 'failed']);

    const blocked = phone('4321');
    expect(await notify(deps, { channel: 'sms', to: blocked, text: 'y' })).toBe('circuit_open');
    expect(await providerCalls(blocked)).toEqual([]);

    const [user] = await usersAt(uniqueEmail, 1);
    await forgotViaResend(user!.email);
    expect(await providerCalls(user!.email)).toMatchObject([{ provider: 'resend', status: 200 }]);
  });
});
