import { WorkerEntrypoint } from 'cloudflare:workers';
import { z } from '@hono/zod-openapi';
import { createDb } from './db/client';
import { getConfig } from './config';
import { AuthorizeSchema, ValidateSchema } from './features/access/access.schemas';
import { ApiError } from './lib/errors';
import { audienceOf } from './lib/jwt';
import {
  authorizeUser,
  introspect,
  permissionsOf,
  type Introspector,
  type Validation,
} from './lib/introspection';
import { loadSecrets, requireSigningKeys } from './lib/secrets';
import type { Bindings } from './config';

const AuthorizeArgs = AuthorizeSchema.required({ user_id: true });

/**
 * Service-binding entrypoint (api.md "Service bindings"): other Workers bind to it with
 * `services = [{ binding = "AUTH", service = "edge-auth", entrypoint = "AuthService" }]` and call
 * these methods directly, with no HTTP and no API key: the binding itself is the credential.
 * Answers are the HTTP routes' bodies, and bad arguments get a refusing answer, not an
 * exception. When a dependency cannot answer, the call throws (fails closed) rather than
 * returning valid or allowed.
 */
export class AuthService extends WorkerEntrypoint<Bindings> {
  /** Introspects an access token, like POST /auth/validate. */
  async verify(token: string): Promise<Validation> {
    const args = ValidateSchema.safeParse({ token });
    if (!args.success) return { valid: false, reason: 'invalid' };
    return introspect(await this.introspector(), args.data.token);
  }

  /** Decides an action for a user, like POST /auth/authorize from a service. */
  async authorize(
    question: z.input<typeof AuthorizeArgs>,
  ): Promise<{ allowed: boolean; reason?: string }> {
    const args = AuthorizeArgs.safeParse(question);
    if (!args.success)
      return { allowed: false, reason: `invalid request: ${z.prettifyError(args.error)}` };
    return authorizeUser((await this.introspector()).db, args.data);
  }

  /** A user's roles and permissions (null for an unknown user), like GET /auth/permissions/{id}. */
  async getPermissions(userId: string) {
    const id = z.uuid().safeParse(userId);
    return id.success ? permissionsOf((await this.introspector()).db, id.data) : null;
  }

  private async introspector(): Promise<Introspector> {
    const config = getConfig(this.env);
    if (!config.ok) throw new ApiError(503, 'DEPENDENCY_UNAVAILABLE', 'Service is misconfigured');
    return {
      db: createDb(this.env.DB),
      sessions: this.env.SESSIONS,
      keys: requireSigningKeys(await loadSecrets(config)),
      audience: audienceOf(config),
    };
  }
}
