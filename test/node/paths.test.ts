// The paths a user takes outside the test harness, run the way they would run them: the README
// tour (scripts/tour.sh) against `npm run dev`, and the typed clients packed with `npm pack`,
// installed into a fresh project, typechecked under `nodenext` and `bundler` resolution, and
// run against that same server.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startConsumer, startDev, type Served } from './dev-server';
import { minimalCalls, type Document } from './minimal-calls';

/** The TypeScript a consumer would have (the client workspace's, 5.x). */
const TSC = join(ROOT, 'client/node_modules/typescript/bin/tsc');

const run = (
  command: string,
  args: string[],
  cwd: string,
  timeout = 120_000,
  env: Record<string, string> = {},
) => {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, ...env },
  });
  const output = `${command} ${args.join(' ')} (in ${cwd}) exited ${result.status}\n${result.stdout}\n${result.stderr}`;
  return { ...result, output };
};

/**
 * GET as JSON, retried twice: wrangler dev restarts its worker when it sees a file change
 * (another test's build output), and a request in flight then fails with "other side closed".
 */
async function fetchJson(url: string, server: Served): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (await fetch(url)).json();
    } catch (err) {
      if (attempt === 3)
        throw new Error(`GET ${url} failed\n${server.log().slice(-3000)}`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

const PROGRAM = `import { createAuthClient, type ApiError, type AuthClient } from '@edge-auth/client';
import { createBrowserAuth, type BrowserAuth } from '@edge-auth/client/browser';
import type { AuthServiceRpc, VerifyResult } from '@edge-auth/rpc';

const baseUrl = (globalThis as unknown as { process: { argv: string[] } }).process.argv[2]!;
const auth: AuthClient = createAuthClient({ baseUrl });
const email = \`packed-\${Date.now().toString(36)}@example.com\`;
const password = 'Vermilion-Otter-42';

const registered = await auth.POST('/auth/register', { body: { email, password } });
const login = await auth.POST('/auth/login', { body: { email, password } });
if (!login.data || !('refresh_token' in login.data)) throw new Error('no token pair');
const me = await auth.GET('/auth/me', {
  headers: { Authorization: \`Bearer \${login.data.access_token}\` },
});
const wrong = await auth.POST('/auth/login', { body: { email, password: 'Not-The-Password-1' } });
const refusal: ApiError | undefined = wrong.error;
// A server default is optional in a request: POST /organizations needs no tier.
const createOrg = (token: string) =>
  auth.POST('/organizations', {
    body: { name: 'Acme Analytics' },
    headers: { Authorization: \`Bearer \${token}\` },
  });
// @ts-expect-error: no such path (proves the paths are typed, not any)
void auth.GET('/no-such-path');
// The RPC types, for a Worker bound to the AuthService entrypoint.
const check = (rpc: AuthServiceRpc, token: string): Promise<VerifyResult> => rpc.verify(token);
const browser: typeof createBrowserAuth = createBrowserAuth;
void check, browser, createOrg, (null as BrowserAuth | null);

console.log(JSON.stringify({
  registered: registered.response.status,
  me: me.data?.email === email,
  refused: refusal?.error_code,
}));
`;

const tsconfig = (module: 'nodenext' | 'bundler', files: string[]) => ({
  compilerOptions: {
    target: 'es2022',
    module: module === 'nodenext' ? 'nodenext' : 'esnext',
    moduleResolution: module,
    lib: ['es2022', 'dom'],
    types: [],
    strict: true,
    exactOptionalPropertyTypes: true,
    // Under nodenext the packed declarations are checked too, not only the program's use of them.
    skipLibCheck: module !== 'nodenext',
    ...(module === 'nodenext' ? { outDir: 'out' } : { noEmit: true }),
  },
  files,
});

describe('against npm run dev', () => {
  let dev: Served & { persist: string };
  let app: string;

  beforeAll(async () => {
    // The dev server boots in its own process while the packages are packed and installed
    // (synchronously, each a child process).
    const starting = startDev();
    {
      app = mkdtempSync(join(tmpdir(), 'edge-auth-consumer-'));
      const tarballs = join(app, 'tarballs');
      mkdirSync(tarballs);
      for (const pkg of ['client', 'rpc']) {
        const packed = run('npm', ['pack', '--pack-destination', tarballs], join(ROOT, pkg));
        if (packed.status !== 0) throw new Error(packed.output);
      }
      const [client, rpc] = ['edge-auth-client', 'edge-auth-rpc'].map(
        (name) =>
          `file:${join(
            tarballs,
            readdirSync(tarballs).find((f) => f.startsWith(name))!,
          )}`,
      );
      writeFileSync(
        join(app, 'package.json'),
        JSON.stringify({
          name: 'consumer',
          private: true,
          type: 'module',
          dependencies: { '@edge-auth/client': client, '@edge-auth/rpc': rpc },
        }),
      );
      const installed = run(
        'npm',
        ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
        app,
      );
      if (installed.status !== 0) throw new Error(installed.output);
      mkdirSync(join(app, 'src'));
      writeFileSync(join(app, 'src/program.ts'), PROGRAM);
      const program = ['src/program.ts'];
      writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig('nodenext', program)));
      writeFileSync(
        join(app, 'tsconfig.bundler.json'),
        JSON.stringify(tsconfig('bundler', program)),
      );
      writeFileSync(
        join(app, 'tsconfig.every.json'),
        JSON.stringify(tsconfig('bundler', ['src/every-operation.ts'])),
      );
    }
    dev = await starting;
  }, 240_000);

  afterAll(async () => {
    await dev?.stop();
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it('runs the README tour, scripts/tour.sh, top to bottom', () => {
    // The admin grant writes the dev server's local D1, in its --persist-to folder.
    const tour = run('bash', ['scripts/tour.sh', dev.url], ROOT, 120_000, {
      EDGE_AUTH_PERSIST_TO: dev.persist,
    });
    expect(tour.status, `${tour.output}\n${dev.log().slice(-3000)}`).toBe(0);
    expect(tour.stdout).toContain('tour: every step answered as expected');
    // The webhook step: a signed user.created delivery reached the loopback receiver.
    expect(tour.stdout).toMatch(/^webhook-signature: v1,\S+$/m);
    expect(tour.stdout).toMatch(/^signature verified: user\.created for \S+$/m);
    // The emailed links pointed at this server's own port (npm run dev's origin).
    for (const page of ['verify-email', 'reset-password']) {
      expect(tour.stdout).toMatch(new RegExp(`GET /${page}\\?token=\\S+ -> 200 <!doctype html>`));
    }
  });

  it("issues tokens with the dev server's own origin as issuer (whatever --port says)", async () => {
    const credentials = {
      email: `issuer-${Date.now().toString(36)}@example.com`,
      password: 'Vermilion-Otter-42',
    };
    const post = (path: string) =>
      fetch(`${dev.url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(credentials),
      });
    expect((await post('/auth/register')).status).toBe(201);
    const { access_token } = await (await post('/auth/login')).json<{ access_token: string }>();
    const claims = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString());
    expect(claims.iss).toBe(dev.url);
  });

  it('packs the clients with their own dependencies only: openapi-fetch and @simplewebauthn/browser (passkeys in the browser module), none for the RPC types', () => {
    const installed = readdirSync(join(app, 'node_modules'))
      .filter((name) => !name.startsWith('.'))
      .sort();
    expect(installed).toEqual([
      '@edge-auth',
      '@simplewebauthn',
      'openapi-fetch',
      'openapi-typescript-helpers',
    ]);
    expect(readdirSync(join(app, 'node_modules/@edge-auth/client/dist')).sort()).toEqual([
      'api.d.ts',
      'browser.d.ts',
      'browser.js',
      'index.d.ts',
      'index.js',
    ]);
  });

  // Two tsc runs over the packed client's types: ~15 s alone, over 30 s on a busy machine.
  it('typechecks under nodenext and bundler resolution, and the compiled program runs', () => {
    const bundler = run('node', [TSC, '-p', 'tsconfig.bundler.json'], app);
    expect(bundler.status, bundler.output).toBe(0);
    const nodenext = run('node', [TSC, '-p', 'tsconfig.json'], app);
    expect(nodenext.status, nodenext.output).toBe(0);
    const program = run('node', ['out/program.js', dev.url], app, 30_000);
    expect(program.status, program.output).toBe(0);
    expect(JSON.parse(program.stdout)).toEqual({
      registered: 201,
      me: true,
      refused: 'INVALID_CREDENTIALS',
    });
  }, 90_000);

  it('typechecks a call of every operation with its required fields only', async () => {
    const doc = (await fetchJson(`${dev.url}/openapi.json`, dev)) as Document;
    const { source, count } = minimalCalls(doc, '@edge-auth/client');
    expect(count).toBeGreaterThanOrEqual(58);
    writeFileSync(join(app, 'src/every-operation.ts'), source);
    const checked = run('node', [TSC, '-p', 'tsconfig.every.json'], app);
    expect(checked.status, `${checked.output}\n${source}`).toBe(0);
  });
});

describe('npm run dev:consumer: the auth worker and examples/consumer side by side', () => {
  let both: Awaited<ReturnType<typeof startConsumer>>;

  beforeAll(async () => {
    both = await startConsumer();
  }, 150_000);

  afterAll(async () => {
    await both?.stop();
  });

  it('serves the consumer bound over RPC to a migrated auth worker', async () => {
    // The auth worker's local state is migrated (it refused nothing at login either).
    const ready = await fetch(`${both.authUrl}/health/ready`);
    expect(await ready.json()).toMatchObject({ ready: true, pending_migrations: [] });
    const health = await fetch(`${both.url}/auth-health`);
    expect(await health.json()).toEqual({ auth: 'ok' });

    const email = `consumer-${Date.now().toString(36)}@example.com`;
    const credentials = JSON.stringify({ email, password: 'Vermilion-Otter-42' });
    const headers = { 'Content-Type': 'application/json' };
    const registered = await fetch(`${both.authUrl}/auth/register`, {
      method: 'POST',
      headers,
      body: credentials,
    });
    expect(registered.status).toBe(201);
    const login = await fetch(`${both.authUrl}/auth/login`, {
      method: 'POST',
      headers,
      body: credentials,
    });
    expect(login.status, both.log().slice(-2000)).toBe(200);
    const { access_token } = await login.json<{ access_token: string }>();
    const bearer = { Authorization: `Bearer ${access_token}` };

    const me = await fetch(`${both.url}/me`, { headers: bearer });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ user_id: expect.any(String), roles: ['user'] });
    expect((await fetch(`${both.url}/me`)).status).toBe(401);
    const dashboards = await fetch(`${both.url}/orgs/${crypto.randomUUID()}/dashboards`, {
      headers: bearer,
    });
    expect(dashboards.status).toBe(403);
    expect(await dashboards.json()).toEqual({ error: 'not_member' });
  });
});
