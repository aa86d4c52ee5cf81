import { WorkerEntrypoint } from 'cloudflare:workers';
import { z } from '@hono/zod-openapi';
import { getConfig } from './config';
import { authorize, permissionsOf } from './domain/access';
import { trackEvent } from './domain/analytics/ingest';
import { TrackEventSchema, type TrackEvent } from './domain/analytics/messages';
import { createDeps, type Deps } from './domain/deps';
import { introspect } from './domain/tokens';
import { AuthorizeSchema, ValidateSchema } from './http/schemas';
import { ApiError } from './lib/errors';
import { createLogger } from './lib/logger';
import { loadSecrets } from './lib/secrets';
import type { Bindings } from './config';
import { app } from './app';
import type {
  AuthorizeQuestion,
  AuthorizeResult,
  AuthServiceRpc,
  Permissions,
  TrackInput,
  TrackResult,
  VerifyResult,
} from './rpc-types';

const AuthorizeArgs = AuthorizeSchema.required({ user_id: true });

/**
 * Service-binding entrypoint (api.md "Service bindings"): other Workers bind to it with
 * `services = [{ binding = "AUTH", service = "edge-auth", entrypoint = "AuthService" }]` and call
 * these methods directly, with no HTTP and no API key: the binding itself is the credential.
 * Answers are the HTTP routes' bodies (the same src/domain functions compute both), and bad
 * arguments get a refusing answer, not an exception. When a dependency cannot answer, the call
 * throws (fails closed) rather than returning valid or allowed.
 */
export class AuthService extends WorkerEntrypoint<Bindings> implements AuthServiceRpc {
  /** Introspects an access token, like POST /auth/validate. */
  async verify(token: string): Promise<VerifyResult> {
    if (typeof token !== 'string') return { valid: false, reason: 'bad_request' };
    const args = ValidateSchema.safeParse({ token });
    if (!args.success) return { valid: false, reason: 'invalid' };
    return introspect(await this.deps(), args.data.token);
  }

  /** Decides an action for a user, like POST /auth/authorize from a service. */
  async authorize(question: AuthorizeQuestion): Promise<AuthorizeResult> {
    const args = AuthorizeArgs.safeParse(question);
    if (!args.success) {
      return { allowed: false, reason: 'bad_request', detail: z.prettifyError(args.error) };
    }
    return authorize(await this.deps(), args.data);
  }

  /** A user's roles and permissions (null for an unknown user), like GET /auth/permissions/{id}. */
  async getPermissions(userId: string): Promise<Permissions | null> {
    const id = z.uuid().safeParse(userId);
    return id.success ? permissionsOf(await this.deps(), id.data) : null;
  }

  /**
   * Records a custom event, like POST /analytics/events from a service: on the analytics queue
   * when this resolves. The calling Worker is named `service-binding` in the event (the binding
   * does not tell which Worker it is).
   */
  async track(event: TrackInput): Promise<TrackResult> {
    const args = TrackEventSchema.safeParse(event);
    if (!args.success) {
      return { accepted: 0, reason: 'bad_request', detail: z.prettifyError(args.error) };
    }
    const input: TrackEvent = args.data;
    try {
      const { event_id } = await trackEvent(
        await this.deps(),
        { kind: 'service', service: 'service-binding' },
        input,
      );
      return { accepted: 1, event_id };
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        return { accepted: 0, reason: 'bad_request', detail: err.message };
      }
      throw err;
    }
  }

  /**
   * The HTTP API through the same binding, so one service binding reaches both: a sibling
   * Worker calls `env.AUTH.fetch(request)` for any route (it is the public API: routes that
   * need a credential still ask for one).
   */
  override async fetch(request: Request): Promise<Response> {
    return app.fetch(request, this.env, this.ctx);
  }

  /** The deps of one call: no request, so no client address; a fresh id ties its log lines. */
  private async deps(): Promise<Deps> {
    const config = getConfig(this.env);
    if (!config.ok) throw new ApiError('DEPENDENCY_UNAVAILABLE', 'Service is misconfigured');
    const requestId = crypto.randomUUID();
    return createDeps(this.env, {
      config,
      secrets: await loadSecrets(config),
      logger: createLogger(requestId),
      origin: { ip: null, userAgent: null, country: null, requestId },
      defer: (work) => this.ctx.waitUntil(work),
    });
  }
}
