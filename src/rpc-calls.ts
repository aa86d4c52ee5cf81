import { z } from '@hono/zod-openapi';
import { getConfig } from './config';
import { authorize, permissionsOf, SERVICE_BINDING_CALLER } from './domain/access';
import { trackEvent } from './domain/analytics/ingest';
import { TrackEventSchema, type TrackEvent } from './domain/analytics/messages';
import { createDeps, type Deps } from './domain/deps';
import { introspect } from './domain/access-tokens';
import { AuthorizeQuestionSchema, ValidateQuestionSchema } from './domain/service-questions';
import { ApiError, fieldErrors } from './lib/errors';
import { createLogger } from './lib/logger';
import { loadSecrets } from './lib/secrets';
import type { Bindings } from './config';
import { appForRequest } from './apps';
import type {
  AuthorizeQuestion,
  AuthorizeResult,
  Permissions,
  TrackInput,
  TrackResult,
  VerifyResult,
} from './rpc-types';

/** The HTTP body's rules (organization_id a UUID), plus whose action: a service must say. */
const AuthorizeArgs = AuthorizeQuestionSchema.required({ user_id: true });

/** A `bad_request` answer's fields: the 422 `errors` form, and the same in one line of words. */
function badRequest(issues: readonly { path: PropertyKey[]; message: string }[]) {
  const errors = fieldErrors(issues);
  return {
    reason: 'bad_request' as const,
    detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    errors,
  };
}

/** What each call runs in: the Worker's bindings and the entrypoint's execution context. */
export interface RpcContext {
  env: Bindings;
  ctx: ExecutionContext;
}

/** Introspects an access token, like POST /auth/validate. */
export async function verify(rc: RpcContext, token: string): Promise<VerifyResult> {
  if (typeof token !== 'string') return { valid: false, reason: 'bad_request' };
  const args = ValidateQuestionSchema.safeParse({ token });
  if (!args.success) return { valid: false, reason: 'invalid' };
  return introspect(await depsOf(rc), args.data.token);
}

/** Decides an action for a user, like POST /auth/authorize from a service. */
export async function authorizeCall(
  rc: RpcContext,
  question: AuthorizeQuestion,
): Promise<AuthorizeResult> {
  const args = AuthorizeArgs.safeParse(question);
  if (!args.success) {
    return { allowed: false, ...badRequest(args.error.issues) };
  }
  return authorize(await depsOf(rc), args.data);
}

/** A user's roles and permissions (null for an unknown user), like GET /auth/permissions/{id}. */
export async function getPermissions(rc: RpcContext, userId: string): Promise<Permissions | null> {
  const id = z.uuid().safeParse(userId);
  return id.success ? permissionsOf(await depsOf(rc), id.data) : null;
}

/**
 * Records a custom event, like POST /analytics/events from a service: on the analytics queue
 * when this resolves. The calling Worker is named `service-binding` in the event (the binding
 * does not tell which Worker it is).
 */
export async function track(rc: RpcContext, event: TrackInput): Promise<TrackResult> {
  const args = TrackEventSchema.safeParse(event);
  if (!args.success) {
    return { accepted: 0, ...badRequest(args.error.issues) };
  }
  const input: TrackEvent = args.data;
  try {
    const { event_id } = await trackEvent(await depsOf(rc), SERVICE_BINDING_CALLER, input);
    return { accepted: 1, event_id };
  } catch (err) {
    if (err instanceof ApiError && err.status === 422) {
      const errors = err.extra.errors ?? [{ field: '(body)', message: err.message }];
      return {
        accepted: 0,
        ...badRequest(errors.map((e) => ({ path: [e.field], message: e.message }))),
      };
    }
    if (err instanceof ApiError && err.code === 'RATE_LIMITED') {
      const retryAfter = Number(err.extra.headers?.['Retry-After'] ?? 60);
      return { accepted: 0, reason: 'rate_limited', detail: err.message, retry_after: retryAfter };
    }
    throw err;
  }
}

/** The HTTP API, for `env.AUTH.fetch(request)`. */
export const fetchApp = async (rc: RpcContext, request: Request) =>
  (await appForRequest(request)).fetch(request, rc.env, rc.ctx);

/** The deps of one call: no request, so no client address; a fresh id ties its log lines. */
async function depsOf({ env, ctx }: RpcContext): Promise<Deps> {
  const config = getConfig(env);
  if (!config.ok) throw new ApiError('DEPENDENCY_UNAVAILABLE', 'Service is misconfigured');
  const requestId = crypto.randomUUID();
  return createDeps(env, {
    config,
    secrets: await loadSecrets(config),
    logger: createLogger(requestId),
    origin: { ip: null, userAgent: null, country: null, requestId },
    defer: (work) => ctx.waitUntil(work),
  });
}
