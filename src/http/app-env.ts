import { OpenAPIHono, type RouteConfig, type RouteHandler } from '@hono/zod-openapi';
import type { Bindings, ReadyConfig } from '../config';
import type { Caller } from '../domain/access';
import type { Deps } from '../domain/deps';
import type { Logger } from '../lib/logger';
import type { Secrets } from '../lib/secrets';
import { validationHook } from './openapi';

export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    config: ReadyConfig;
    /** What the domain runs with (src/domain/deps.ts); set once the config is valid. */
    deps: Deps;
    /** Set by requireAuth / requireService: who is asking. */
    caller?: Caller;
    db: Deps['db'];
    logger: Logger;
    secrets: Secrets;
    /**
     * A hosted page's return_to as its handler resolved it (routes/pages returnToOf): when it is
     * an authorization request, the page's CSP lets its forms' redirects reach the client.
     */
    returnTo?: string | null;
    /**
     * The redirect URI a consent page's answer goes to, as /oauth/authorize checked it against
     * the client's registration: the page's CSP lets the form's redirect reach it.
     */
    clientRedirect?: string;
  };
}

export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;

export const createRouter = () => new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
