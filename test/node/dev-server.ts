// `npm run dev` as a developer starts it, on a free port with its local state in a temporary
// folder: the worker the README tour, the packed clients and the consumer example talk to.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../browser/servers';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url).href);

export interface Served {
  url: string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Runs `npm run <script> -- <args>` in the repository (detached, so stopping ends wrangler and
 * workerd too) and resolves once `<url><readyPath>` (default /health) answers 200.
 */
async function serve(
  script: string,
  args: string[],
  url: string,
  options: { readyPath?: string; env?: Record<string, string> } = {},
): Promise<Served> {
  const state = mkdtempSync(join(tmpdir(), 'edge-auth-dev-'));
  const logFile = join(state, 'dev.log');
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn('npm', ['run', script, '--', ...args], {
    cwd: ROOT,
    stdio: ['ignore', out, out],
    env: { ...process.env, CI: 'true', ...options.env },
    detached: true,
  });
  const log = () => readFileSync(logFile, 'utf8');
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      process.kill(-child.pid, 'SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm run ${script} exited:\n${log()}`);
    try {
      if ((await fetch(`${url}${options.readyPath ?? '/health'}`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const text = log();
      await stop();
      throw new Error(`npm run ${script} did not become healthy in 120 s:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, log, stop };
}

/** `npm run dev` on a free port, its local D1 and Durable Objects in a temporary folder. */
export async function startDev(): Promise<Served & { persist: string }> {
  const [port, inspector] = [await freePort(), await freePort()];
  const persist = mkdtempSync(join(tmpdir(), 'edge-auth-state-'));
  const served = await serve(
    'dev',
    [
      '--port',
      String(port),
      '--inspector-port',
      String(inspector),
      '--persist-to',
      persist,
      '--show-interactive-dev-session=false',
    ],
    `http://localhost:${port}`,
  );
  return {
    ...served,
    persist,
    stop: async () => {
      await served.stop();
      rmSync(persist, { recursive: true, force: true });
    },
  };
}

/**
 * `npm run dev:consumer` on free ports: the auth worker and examples/consumer, with a dev
 * registry of their own (another test's `wrangler dev` of edge-auth must not be the one bound).
 */
export async function startConsumer(): Promise<Served & { authUrl: string }> {
  const [auth, consumer, inspector] = [await freePort(), await freePort(), await freePort()];
  const state = mkdtempSync(join(tmpdir(), 'edge-auth-consumer-state-'));
  const served = await serve(
    'dev:consumer',
    [
      '--port',
      String(auth),
      '--consumer-port',
      String(consumer),
      '--inspector-port',
      String(inspector),
      '--persist-to',
      join(state, 'wrangler'),
      '--show-interactive-dev-session=false',
    ],
    `http://localhost:${consumer}`,
    { readyPath: '/auth-health', env: { WRANGLER_REGISTRY_PATH: join(state, 'registry') } },
  );
  return {
    ...served,
    authUrl: `http://localhost:${auth}`,
    stop: async () => {
      await served.stop();
      rmSync(state, { recursive: true, force: true });
    },
  };
}
