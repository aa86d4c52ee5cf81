/**
 * The routes, their zod schemas, the RPC methods and the analytics consumer load on first use,
 * not at module scope: building every schema is most of the module's start-up CPU (`wrangler
 * check startup`), which Workers cap and pay on every cold isolate, including one that only
 * hosts a Durable Object. The routes load per URL prefix (src/apps.ts). The bundle stays one
 * file: esbuild turns each of these imports into a deferred init, run once per isolate. Nothing
 * at module scope may import these modules statically, or their schemas are built at start-up
 * again.
 */
let apps: Promise<typeof import('./apps')> | undefined;
let queue: Promise<typeof import('./queue')> | undefined;
let rpc: Promise<typeof import('./rpc-calls')> | undefined;

/** The app serving a request's path. */
export const loadAppFor = async (request: Request) =>
  (await (apps ??= import('./apps'))).appForRequest(request);
export const loadQueue = () => (queue ??= import('./queue'));
export const loadRpcCalls = () => (rpc ??= import('./rpc-calls'));
