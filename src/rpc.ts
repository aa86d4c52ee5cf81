import { WorkerEntrypoint } from 'cloudflare:workers';
import type { Bindings } from './config';
import { loadRpcCalls } from './lazy';
import type {
  AuthorizeQuestion,
  AuthorizeResult,
  AuthServiceRpc,
  Permissions,
  TrackInput,
  TrackResult,
  VerifyResult,
} from './rpc-types';

/**
 * Service-binding entrypoint (api.md "Service bindings"): other Workers bind to it with
 * `services = [{ binding = "AUTH", service = "edge-auth", entrypoint = "AuthService" }]` and call
 * these methods directly, with no HTTP and no API key: the binding itself is the credential.
 * Answers are the HTTP routes' bodies (the same src/domain functions compute both), and bad
 * arguments get a refusing answer, not an exception. When a dependency cannot answer, the call
 * throws (fails closed) rather than returning valid or allowed. The methods' bodies are in
 * rpc-calls.ts, loaded on the first call (lazy.ts).
 */
export class AuthService extends WorkerEntrypoint<Bindings> implements AuthServiceRpc {
  /** Introspects an access token, like POST /auth/validate. */
  async verify(token: string): Promise<VerifyResult> {
    return (await loadRpcCalls()).verify(this.#rc(), token);
  }

  /** Decides an action for a user, like POST /auth/authorize from a service. */
  async authorize(question: AuthorizeQuestion): Promise<AuthorizeResult> {
    return (await loadRpcCalls()).authorizeCall(this.#rc(), question);
  }

  /** A user's roles and permissions (null for an unknown user), like GET /auth/permissions/{id}. */
  async getPermissions(userId: string): Promise<Permissions | null> {
    return (await loadRpcCalls()).getPermissions(this.#rc(), userId);
  }

  /** Records a custom event, like POST /analytics/events from a service. */
  async track(event: TrackInput): Promise<TrackResult> {
    return (await loadRpcCalls()).track(this.#rc(), event);
  }

  /**
   * The HTTP API through the same binding, so one service binding reaches both: a sibling
   * Worker calls `env.AUTH.fetch(request)` for any route (it is the public API: routes that
   * need a credential still ask for one).
   */
  override async fetch(request: Request): Promise<Response> {
    return (await loadRpcCalls()).fetchApp(this.#rc(), request);
  }

  // An ES private method: never exposed to callers over RPC.
  #rc() {
    return { env: this.env, ctx: this.ctx };
  }
}
