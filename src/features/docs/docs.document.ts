import type { OpenAPIHono } from '@hono/zod-openapi';
import { version } from '../../../package.json';
import type { AppEnv } from '../../types';

type App = OpenAPIHono<AppEnv>;
export type OpenApiDocument = ReturnType<App['getOpenAPI31Document']>;

/** Every tag an operation may carry (test/openapi.test.ts checks), in the reference's order. */
export const TAGS = [
  { name: 'System', description: 'Service information, health, signing keys and this reference.' },
  { name: 'Authentication', description: 'Sign up, sign in, token refresh, logout, token check.' },
  { name: 'Profile', description: 'The signed-in user and their profile.' },
  { name: 'Account', description: 'Password change and account deletion.' },
  { name: 'Sessions', description: "The caller's sessions: list, inspect, end." },
  { name: 'Account recovery', description: 'Password reset and email verification by email.' },
  {
    name: 'Service access',
    description: 'For other services: token introspection, authorization decisions, grants.',
  },
  { name: 'Users', description: 'User creation, dashboards, preferences and activity.' },
  { name: 'Admin', description: 'Global roles, their permissions and user status (admins).' },
  {
    name: 'Development',
    description: 'Helpers that exist only when ENVIRONMENT=development (404 otherwise).',
  },
];

const DESCRIPTION = `Authentication and identity on Cloudflare Workers.

Every error has the body of the \`Error\` schema (\`errors\` only on 422), and every response carries \`X-Request-ID\`. Lists take \`limit\` (default 50, at most 200) and the \`next_cursor\` of the previous page as \`cursor\`.`;

/** Registers what the routes reference but do not define: the security schemes. */
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
}

/** The document, without `servers` (the handler adds the origin it is served from). */
export function buildDocument(app: App): OpenApiDocument {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'edge-auth', version, description: DESCRIPTION },
    tags: TAGS,
  });
}
