import type { OpenAPIHono } from '@hono/zod-openapi';
import { version } from '../../../package.json';
import { errorResponses } from '../../http/openapi';
import { headerRefs, RATE_LIMIT_HEADERS, RESPONSE_HEADERS } from '../../http/openapi-headers';
import type { AppEnv } from '../../http/app-env';

type App = OpenAPIHono<AppEnv>;
export type OpenApiDocument = ReturnType<App['getOpenAPI31Document']>;

/** Every tag an operation may carry (test/openapi.test.ts checks), in the reference's order. */
const TAGS = [
  { name: 'System', description: 'Service information, health, signing keys and this reference.' },
  { name: 'Authentication', description: 'Sign up, sign in, token refresh, logout, token check.' },
  { name: 'Profile', description: 'The signed-in user and their profile.' },
  { name: 'Account', description: 'Password change and account deletion.' },
  {
    name: 'MFA',
    description: 'Second factors: TOTP enrolment, backup codes, the second step of login.',
  },
  { name: 'Sessions', description: "The caller's sessions: list, inspect, end." },
  { name: 'Passkeys', description: "The caller's passkeys (WebAuthn): add, list, rename, remove." },
  {
    name: 'Social sign-in',
    description:
      'Sign-in with GitHub, Google, Microsoft, Apple or any OpenID Connect issuer; linked identities.',
  },
  { name: 'Account recovery', description: 'Password reset and email verification by email.' },
  {
    name: 'Service access',
    description: 'For other services: token introspection, authorization decisions, grants.',
  },
  { name: 'Users', description: 'User creation, dashboards, preferences and activity.' },
  { name: 'Admin', description: 'Global roles, their permissions and user status (admins).' },
  {
    name: 'Analytics',
    description:
      'Events and metrics in (202 once on the queue), and what the aggregator made of them: series, usage, costs, the admin dashboard.',
  },
  {
    name: 'Organizations',
    description: 'Tenants: members and their org roles, invitations, org dashboards.',
  },
  {
    name: 'Webhooks',
    description:
      "Endpoints that receive this deployment's (or an organization's) events, signed per Standard Webhooks: secrets, rotation, test events, the delivery log and replay. Each event's body is in the document's `webhooks` section.",
  },
  {
    name: 'Development',
    description: 'Helpers that exist only when ENVIRONMENT=development (404 otherwise).',
  },
  {
    name: 'Identity provider',
    description:
      'OAuth 2.1 and OpenID Connect for other apps and MCP clients: discovery, authorize, token, userinfo, revoke, introspect, clients, consents. The OAuth endpoints answer with RFC 6749 error bodies `{error, error_description}`.',
  },
];

const DESCRIPTION = `Authentication and identity on Cloudflare Workers.

Every error has the body of the \`Error\` schema (\`errors\` only on 422), and every response carries \`X-Request-ID\`. Lists take \`limit\` (default 50, at most 200) and the \`next_cursor\` of the previous page as \`cursor\`.`;

/** Registers what the routes reference but do not define: security schemes and headers. */
export function registerComponents(app: App) {
  const registry = app.openAPIRegistry;
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from /auth/login or /auth/refresh',
  });
  registry.registerComponent('securitySchemes', 'apiKeyAuth', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'Service API key (SERVICE_API_KEYS)',
  });
  for (const [name, header] of Object.entries(RESPONSE_HEADERS)) {
    registry.registerComponent('headers', name, header);
  }
}

/**
 * Adds to every route what app-wide middleware answers, which the route definitions do not
 * repeat. Copies each definition rather than editing the routes' own objects.
 */
function documentAppWideAnswers(app: App) {
  for (const def of app.openAPIRegistry.definitions) {
    if (def.type !== 'route') continue;
    const responses = { ...def.route.responses };
    // http/middleware/context.ts: an invalid configuration answers 503 on every route but /health*
    // (which reports it in its own body).
    if (!def.route.path.startsWith('/health')) responses[503] ??= errorResponses(503)[503];
    // http/middleware/rate-limit.ts sets X-RateLimit-* on every answer of a limited route (the ones
    // documenting its 429), not only on the 429 (which errorResponses documents).
    if (responses[429]) {
      for (const [status, response] of Object.entries(responses)) {
        if (status === '429' || '$ref' in response) continue;
        const headers = { ...response.headers, ...headerRefs(...RATE_LIMIT_HEADERS) };
        responses[status] = { ...response, headers };
      }
    }
    def.route = { ...def.route, responses };
  }
}

/** The document, without `servers` (the handler adds the origin it is served from). */
export function buildDocument(app: App): OpenApiDocument {
  documentAppWideAnswers(app);
  const document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'edge-auth', version, description: DESCRIPTION },
    tags: TAGS,
  });
  // app.route() joins a mounted router's webhook names like paths ('/user.created'): in the
  // `webhooks` section they are the event types' names.
  if (document.webhooks) {
    document.webhooks = Object.fromEntries(
      Object.entries(document.webhooks).map(([name, item]) => [name.replace(/^\//, ''), item]),
    );
  }
  return document;
}
