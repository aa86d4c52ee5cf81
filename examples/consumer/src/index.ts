// A sibling Worker that uses edge-auth through one service binding: RPC for the checks, and the
// same binding's fetch() for the HTTP API. It imports only the RPC types (`@edge-auth/rpc`, a
// types-only package), not the service's sources; its tsconfig has exactOptionalPropertyTypes
// on, as strict callers do.
import type { AuthServiceRpc, AuthorizeResult, VerifyResult } from '@edge-auth/rpc';

export interface Env {
  /** wrangler.toml: services = [{ binding = "AUTH", service = "edge-auth", entrypoint = "AuthService" }] */
  AUTH: AuthServiceRpc;
}

const json = (body: unknown, status = 200) => Response.json(body, { status });

/** The caller's identity, or the answer to send instead. */
async function signedIn(env: Env, request: Request): Promise<VerifyResult> {
  const header = request.headers.get('Authorization') ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : '';
  return env.AUTH.verify(token);
}

const refused = (decision: Extract<AuthorizeResult, { allowed: false }>) =>
  json({ error: decision.reason }, decision.reason === 'bad_request' ? 400 : 403);

async function handle(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/auth-health') {
    // The HTTP API through the same binding.
    const health = await env.AUTH.fetch(new Request('https://edge-auth/health'));
    return json({ auth: health.status === 200 ? 'ok' : 'degraded' });
  }
  const who = await signedIn(env, request);
  if (!who.valid) return json({ error: who.reason }, 401);
  if (url.pathname === '/me') return json({ user_id: who.user_id, roles: who.roles });
  if (url.pathname === '/permissions') return json(await env.AUTH.getPermissions(who.user_id));
  const report = /^\/orgs\/([^/]+)\/dashboards$/.exec(url.pathname);
  if (report) {
    const decision = await env.AUTH.authorize({
      user_id: who.user_id,
      resource: 'dashboards',
      action: 'read',
      organization_id: report[1],
    });
    if (!decision.allowed) return refused(decision);
    await env.AUTH.track({ event_type: 'dashboard_viewed', user_id: who.user_id });
    return json({ dashboards: [] });
  }
  return json({ error: 'not_found' }, 404);
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      return await handle(request, env);
    } catch {
      // The auth service could not answer: fail closed, never let the request through.
      return json({ error: 'auth_unavailable' }, 503);
    }
  },
} satisfies ExportedHandler<Env>;
