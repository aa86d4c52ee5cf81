import { WorkerEntrypoint } from 'cloudflare:workers';
import { z } from '@hono/zod-openapi';
import { getConfig } from './config';
import { authorize, permissionsOf } from './domain/access';
import { trackEvent } from './domain/analytics/ingest';
import { TrackEventSchema, type TrackEvent } from './domain/analytics/messages';
import { createDeps, type Deps } from './domain/deps';
import { introspect, type Validation } from './domain/tokens';
import { AuthorizeSchema, ValidateSchema } from './http/schemas';
import { ApiError } from './lib/errors';
import { createLogger } from './lib/logger';
import { loadSecrets } from './lib/secrets';
import type { Bindings } from './config';

const AuthorizeArgs = AuthorizeSchema.required({ user_id: true });

/**
 * Service-binding entrypoint (api.md "Service bindings"): other Workers bind to it with
 * `services = [{ binding = "AUTH", service = "edge-auth", entrypoint = "AuthService" }]` and call
 * these methods directly, with no HTTP and no API key: the binding itself is the credential.
 * Answers are the HTTP routes' bodies (the same src/domain functions compute both), and bad
 * arguments get a refusing answer, not an exception. When a dependency cannot answer, the call
 * throws (fails closed) rather than returning valid or allowed.
 */
export class AuthService extends WorkerEntrypoint<Bindings> {
  /** Introspects an access token, like POST /auth/validate. */
  async verify(token: string): Promise<Validation> {
    const args = ValidateSchema.safeParse({ token });
    if (!args.success) return { valid: false, reason: 'invalid' };
    return introspect(await this.deps(), args.data.token);
  }

  /** Decides an action for a user, like POST /auth/authorize from a service. */
  async authorize(
    question: z.input<typeof AuthorizeArgs>,
  ): Promise<{ allowed: boolean; reason?: string }> {
    const args = AuthorizeArgs.safeParse(question);
    if (!args.success)
      return { allowed: false, reason: `invalid request: ${z.prettifyError(args.error)}` };
    return authorize(await this.deps(), args.data);
  }

  /** A user's roles and permissions (null for an unknown user), like GET /auth/permissions/{id}. */
  async getPermissions(userId: string) {
    const id = z.uuid().safeParse(userId);
    return id.success ? permissionsOf(await this.deps(), id.data) : null;
  }

  /**
   * Records a custom event, like POST /analytics/events from a service: on the analytics queue
   * when this resolves. The calling Worker is named `service-binding` in the event (the binding
   * does not tell which Worker it is).
   */
  async track(
    event: z.input<typeof TrackEventSchema>,
  ): Promise<{ accepted: number; event_id: string } | { accepted: 0; reason: string }> {
    const args = TrackEventSchema.safeParse(event);
    if (!args.success)
      return { accepted: 0, reason: `invalid event: ${z.prettifyError(args.error)}` };
    const input: TrackEvent = args.data;
    try {
      return await trackEvent(
        await this.deps(),
        { kind: 'service', service: 'service-binding' },
        input,
      );
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        return { accepted: 0, reason: `invalid event: ${err.message}` };
      }
      throw err;
    }
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
