import * as factors from '../../domain/factors/enrolment';
import { OTP_TTL_S } from '../../domain/factors/one-time-codes';
import * as secondFactor from '../../domain/sign-in/second-factor';
import { assertCookieRequestAllowed, NO_STORE, tokensFor } from '../../http/cookie-transport';
import { authenticateBearer, userOf } from '../../http/middleware/require-auth';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './mfa.routes';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const setup: AppRouteHandler<typeof routes.setup> = async (c) => {
  const result = await factors.setupMethod(c.var.deps, userOf(c), c.req.valid('json'));
  if (result.kind === 'totp') {
    const { methodId: method_id, secret, uri: otpauth_uri, qrSvg: qr_svg } = result;
    const body = { method_id, type: 'totp' as const, secret, otpauth_uri, qr_svg };
    return c.json(body, 201, NO_STORE);
  }
  return c.json(codeSent(result), 201, NO_STORE);
};

const codeSent = (r: { methodId: string; type: 'email' | 'sms'; destination: string }) => ({
  method_id: r.methodId,
  type: r.type,
  destination: r.destination,
  expires_in: OTP_TTL_S,
});

export const challenge: AppRouteHandler<typeof routes.challenge> = async (c) => {
  const { mfa_token, method_id } = c.req.valid('json');
  const sent = await secondFactor.sendLoginCode(c.var.deps, {
    mfaToken: mfa_token,
    methodId: method_id,
  });
  return c.json(codeSent(sent), 202, NO_STORE);
};

/**
 * POST /mfa/verify has two meanings (api.md), told apart by the body: with an `mfa_token` it is
 * the second step of a sign-in, without one a signed-in user confirming an enrolment.
 */
export const verify: AppRouteHandler<typeof routes.verify> = async (c) => {
  const body = c.req.valid('json');
  return body.mfa_token === undefined
    ? confirmEnrolment(c, body)
    : finishSignIn(c, { ...body, mfa_token: body.mfa_token });
};

type VerifyContext = Parameters<AppRouteHandler<typeof routes.verify>>[0];

async function finishSignIn(
  c: VerifyContext,
  body: { mfa_token: string; code: string; method_id?: string },
) {
  const { transport } = c.req.valid('query');
  if (transport === 'cookie') assertCookieRequestAllowed(c);
  const input = { mfaToken: body.mfa_token, code: body.code, methodId: body.method_id };
  const { tokens } = await secondFactor.signInWithSecondFactor(c.var.deps, input);
  return c.json(tokensFor(c, transport, tokens), 200, NO_STORE);
}

async function confirmEnrolment(c: VerifyContext, body: { code: string; method_id?: string }) {
  // The route's per-IP verdict is left to the domain (the sign-in awaits it beside its read);
  // an enrolment waits for it before anything else.
  const [caller] = await Promise.all([authenticateBearer(c), c.var.deps.admitted()]);
  const methodId = body.method_id ?? '';
  const { backupCodes } = await factors.confirmMethod(c.var.deps, caller, methodId, body.code);
  const confirmed = { method_id: methodId, active: true as const };
  return c.json(
    backupCodes ? { ...confirmed, backup_codes: backupCodes } : confirmed,
    200,
    NO_STORE,
  );
}

export const listMethods: AppRouteHandler<typeof routes.listMethods> = async (c) => {
  const methods = (await factors.listMethods(c.var.deps, userOf(c).userId)).map((m) => ({
    method_id: m.id,
    type: m.type,
    destination: m.destination,
    active: m.confirmedAt !== null,
    created_at: m.createdAt.toISOString(),
    confirmed_at: iso(m.confirmedAt),
    last_used_at: iso(m.lastUsedAt),
  }));
  return c.json({ methods }, 200);
};

export const removeMethod: AppRouteHandler<typeof routes.removeMethod> = async (c) => {
  const { method_id } = c.req.valid('param');
  const password = c.req.valid('json')?.password;
  await factors.removeMethod(c.var.deps, userOf(c), method_id, password);
  return c.body(null, 204);
};

export const regenerateBackupCodes: AppRouteHandler<typeof routes.regenerateBackupCodes> = async (
  c,
) => {
  const password = c.req.valid('json')?.password;
  const codes = await factors.regenerateBackupCodes(c.var.deps, userOf(c), password);
  return c.json({ codes }, 200, NO_STORE);
};
