import { createApp, type AppRouter } from './app';
import { isPagePath } from './routes/pages/pages.security';

/**
 * One app per URL prefix, built on the first request for it: a cold isolate answering
 * /auth/verify evaluates the auth routes and their schemas, not the admin, organization,
 * analytics and page modules as well (bench: cold start to a first answer). Each router's paths
 * all begin with its prefix, so a request sees exactly the routes it would in one app; the
 * OpenAPI document and /docs need every route and get the whole app, as does any other path.
 */
const GROUPS = {
  system: async () => [(await import('./routes/system')).systemRouter],
  auth: async () => [(await import('./routes/auth')).authRouter],
  admin: async () => [(await import('./routes/admin')).adminRouter],
  users: async () => [(await import('./routes/users')).usersRouter],
  mfa: async () => [(await import('./routes/mfa')).mfaRouter],
  passkeys: async () => [(await import('./routes/passkeys')).passkeysRouter],
  analytics: async () => [(await import('./routes/analytics')).analyticsRouter],
  organizations: async () => [(await import('./routes/organizations')).organizationsRouter],
  dev: async () => [(await import('./routes/dev')).devRouter],
  webhooks: async () => [(await import('./routes/webhooks')).webhooksRouter],
  pages: async () => [(await import('./routes/pages')).pagesRouter],
  console: async () => [(await import('./routes/console')).consoleRouter],
};
type Group = keyof typeof GROUPS | 'all';

/** The first path segment → its group (analytics also serves the Prometheus /metrics). */
const BY_SEGMENT: Record<string, Group> = {
  '': 'system',
  health: 'system',
  '.well-known': 'system',
  auth: 'auth',
  admin: 'admin',
  users: 'users',
  mfa: 'mfa',
  passkeys: 'passkeys',
  analytics: 'analytics',
  metrics: 'analytics',
  organizations: 'organizations',
  dev: 'dev',
  webhooks: 'webhooks',
};

export function groupOf(path: string): Group {
  // The console's pages are pages too (isPagePath: their headers and forms), in their own app.
  if (path === '/console' || path.startsWith('/console/')) return 'console';
  if (isPagePath(path)) return 'pages';
  const segment = path.slice(1).split('/', 1)[0] ?? '';
  return Object.hasOwn(BY_SEGMENT, segment) ? BY_SEGMENT[segment]! : 'all';
}

async function build(group: Group): Promise<AppRouter> {
  if (group !== 'all') return createApp(await GROUPS[group]());
  const routers = await Promise.all(Object.values(GROUPS).map((load) => load()));
  const { registerDocs } = await import('./routes/docs');
  return createApp(routers.flat(), registerDocs);
}

const built = new Map<Group, Promise<AppRouter>>();

/** The app that serves `path` (built once per isolate). */
export function appFor(path: string): Promise<AppRouter> {
  const group = groupOf(path);
  let app = built.get(group);
  if (!app) {
    app = build(group);
    built.set(group, app);
  }
  return app;
}

/**
 * The path of an absolute URL without parsing it again: the runtime hands the worker a URL it
 * has already parsed and normalised (no dot segments), and a `new URL` on every request was
 * ~4 % of the trivial route's CPU (inspector profile, issue 23).
 */
export function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  let end = url.indexOf('?', start);
  const hash = url.indexOf('#', start);
  if (end < 0 || (hash >= 0 && hash < end)) end = hash;
  return end < 0 ? url.slice(start) : url.slice(start, end);
}

/** The app that serves `request`. */
export const appForRequest = (request: Request) => appFor(pathOf(request.url));
