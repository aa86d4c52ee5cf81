// The servers a browser test needs: the worker under `wrangler dev` (the bundle a deployment
// runs, with local D1 and Durable Objects) and a stand-in frontend on another origin of the
// same site that loads client/browser.ts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { DEVELOPMENT_VARS } from '../../scripts/dev-values.mjs';
import { generateSecrets } from '../../scripts/secrets.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url).href);
const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler');

/** A port nobody listens on now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface Worker {
  url: string;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Applies the migrations to a fresh local state and serves the worker on a free port with the
 * development values, fresh secrets and `vars` on top. Resolves once /health answers.
 */
export async function startWorker(appOrigin: string, vars: Record<string, string>) {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const url = `http://localhost:${port}`;
  const state = mkdtempSync(join(tmpdir(), 'edge-auth-browser-'));
  const env = {
    ...DEVELOPMENT_VARS,
    JWT_ISSUER: url,
    APP_URL: appOrigin,
    CORS_ORIGINS: appOrigin,
    ...(await generateSecrets('browser-test')),
    ...vars,
  };
  const envFile = envFileIn(state, env);
  const common = ['--persist-to', join(state, 'wrangler'), '--env-file', envFile];
  const migrated = spawnSync(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', ...common], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', WRANGLER_LOG: 'error' },
  });
  if (migrated.status !== 0) throw new Error(`migrations failed: ${migrated.stderr}`);
  return wranglerDev(url, state, [
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    ...common,
  ]);
}

/**
 * `wrangler dev` with `args` (the port, the state, the config), its log in `state`; resolves
 * once `url`/health answers 200 (any answer with `health` '/'). Stopping it removes `state`.
 */
async function wranglerDev(url: string, state: string, args: string[], health = '/health') {
  const logFile = join(state, 'wrangler-dev.log');
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    WRANGLER,
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--show-interactive-dev-session=false',
      '--log-level',
      'warn',
      ...args,
    ],
    { cwd: ROOT, stdio: ['ignore', log, log], env: { ...process.env, CI: 'true' }, detached: true },
  );
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      // The process group: wrangler's workerd children go with it.
      process.kill(-child.pid, 'SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited; see ${logFile}`);
    try {
      const res = await fetch(`${url}${health}`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('wrangler dev did not become healthy in 90 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, logFile, stop } satisfies Worker;
}

/** A private env file in `state` (values quoted as wrangler's dotenv reads them). */
function envFileIn(state: string, env: Record<string, string>) {
  const envFile = join(state, 'test.env');
  writeFileSync(
    envFile,
    Object.entries(env)
      .map(([k, v]) => `${k}='${v}'`)
      .join('\n'),
  );
  return envFile;
}

/**
 * examples/relying-party as its README sets it up, served on `port`: edge-auth at
 * `vars.AUTH_URL` over the network (no service binding), with a client registered there.
 */
export async function startRelyingParty(
  port: number,
  vars: { AUTH_URL: string; CLIENT_ID: string; CLIENT_SECRET: string; REDIRECT_URI: string },
) {
  const state = mkdtempSync(join(tmpdir(), 'edge-auth-rp-'));
  const envFile = envFileIn(state, { ...vars, COOKIE_SECRET: `rp-${crypto.randomUUID()}` });
  return wranglerDev(
    `http://localhost:${port}`,
    state,
    [
      '-c',
      'examples/relying-party/wrangler.toml',
      '--port',
      String(port),
      '--inspector-port',
      String(await freePort()),
      '--persist-to',
      join(state, 'wrangler'),
      '--env-file',
      envFile,
    ],
    '/',
  );
}

/**
 * The frontend: one page that bundles client/browser.ts (esbuild, as an app's bundler would)
 * and exposes it as `window.auth`, served on its own origin.
 */
export async function startApp(port: number, authUrl: string) {
  const bundle = await build({
    stdin: {
      contents: `import { createBrowserAuth } from './client/browser.ts';
        window.auth = createBrowserAuth({ baseUrl: ${JSON.stringify(authUrl)} });`,
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
  });
  const script = bundle.outputFiles[0]!.text;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>App</title>
    <script type="module" src="/app.js"></script></head><body><h1>The app</h1></body></html>`;
  const server: Server = createServer((req, res) => {
    const js = req.url === '/app.js';
    res.writeHead(200, { 'Content-Type': js ? 'text/javascript' : 'text/html' });
    res.end(js ? script : html);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { stop: () => new Promise((resolve) => server.close(resolve)) };
}

export { freePort };

/** The browser to drive: CHROMIUM_PATH, else Debian's chromium; null when neither exists. */
export function chromiumPath(): string | null {
  for (const path of [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
  ]) {
    if (path && existsSync(path)) return path;
  }
  return null;
}

/**
 * A JSON call to a worker started here, the way a frontend makes it (the setup steps around
 * what a test drives in the browser): its status and parsed body ({} when empty).
 */
export async function callWorker(
  worker: Worker,
  method: string,
  path: string,
  body?: object,
  token?: string,
) {
  const res = await fetch(`${worker.url}${path}`, {
    method,
    headers: {
      ...(body && { 'Content-Type': 'application/json' }),
      ...(token && { Authorization: `Bearer ${token}` }),
    },
    body: body && JSON.stringify(body),
  });
  const text = await res.text();
  // An answer that is not JSON (an HTML error page) keeps its text for the failure message.
  let parsed: Record<string, any> = {};
  try {
    if (text) parsed = JSON.parse(text) as Record<string, any>;
  } catch {
    // parsed stays {}
  }
  return { status: res.status, body: parsed, text };
}
