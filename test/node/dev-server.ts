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
 * Runs `npm run <script> -- <args>` in `cwd` (detached, so stopping ends wrangler and workerd
 * too) and resolves once `<url>/health` answers 200 (or `ready` says so).
 */
export async function serve(
  script: string,
  args: string[],
  url: string,
  options: { cwd?: string; ready?: (res: Response) => boolean } = {},
): Promise<Served> {
  const state = mkdtempSync(join(tmpdir(), 'edge-auth-dev-'));
  const logFile = join(state, 'dev.log');
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn('npm', ['run', script, '--', ...args], {
    cwd: options.cwd ?? ROOT,
    stdio: ['ignore', out, out],
    env: { ...process.env, CI: 'true' },
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
  const ready = options.ready ?? ((res: Response) => res.status === 200);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm run ${script} exited:\n${log()}`);
    try {
      if (ready(await fetch(`${url}/health`))) break;
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
