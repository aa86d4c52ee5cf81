import { availableParallelism } from 'node:os';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { fakeProviders } from './test/fake-provider.ts';
import { TEST_SERVICE_KEYS } from './test/service-keys.ts';
import { unstable_readConfig } from 'wrangler';
import { DEVELOPMENT_VARS } from './scripts/dev-values.mjs';
import { copyDocsAssets } from './scripts/docs-assets.mjs';
import { generateSecrets } from './scripts/secrets.mjs';
import { buildWorker } from './scripts/build.mjs';
import { build } from 'esbuild';

// Two projects. `workerd`: tests run inside workerd with the bindings declared in wrangler.toml
// (real D1 and Durable Objects). Secrets are generated per run, so no key is ever committed.
// wrangler.toml holds production values; the tests lay the development values over them, as
// `npm run dev` does. `libsql`: test/node/ runs in Node against a libSQL database.
export default defineConfig(async () => {
  // wrangler logs "Using secrets defined in .dev.vars" once per test file when a developer has
  // one; the bindings below override it anyway. Warnings and errors still show.
  process.env.WRANGLER_LOG ??= 'warn';
  const migrations = await readD1Migrations('./migrations');
  const secrets = await generateSecrets('test-key-1');
  // The vars exactly as committed, for the test that the default environment is production-safe.
  // wrangler declares its Config type with a package it bundles (@cloudflare/workers-utils), so
  // the type does not resolve outside wrangler: the two fields read here are typed by hand.
  const committed = unstable_readConfig({ config: './wrangler.toml' }) as {
    vars: Record<string, unknown>;
    ratelimits: unknown[];
  };
  const committedVars = committed.vars;
  // The ASSETS binding serves public/: the /docs renderer must be there before workerd starts.
  copyDocsAssets();
  // Two more Workers for test/rpc-consumer.test.ts: the example consumer (examples/consumer),
  // bound to the AuthService entrypoint of the worker under test, and a second copy of it bound
  // to this worker's bundle deployed with no database and no secrets (a dependency that cannot
  // answer), so failing closed is tested with real code on both sides.
  const consumerScript = 'examples/consumer/dist/index.js';
  // The identity provider's example relying party (examples/relying-party), bound to the worker
  // under test over a service binding: test/idp-relying-party.test.ts.
  const relyingPartyScript = 'examples/relying-party/dist/index.js';
  // Its client (the test registers it in D1 with these) and cookie key: fresh per run.
  const RELYING_PARTY_VARS = {
    AUTH_URL: DEVELOPMENT_VARS.JWT_ISSUER,
    CLIENT_ID: 'oc_example_relying_party',
    CLIENT_SECRET: `ocs_${crypto.randomUUID()}${crypto.randomUUID()}`,
    REDIRECT_URI: 'https://rp.example/callback',
    COOKIE_SECRET: `${crypto.randomUUID()}${crypto.randomUUID()}`,
  };
  const unconfiguredScript = 'dist/test-unconfigured/worker.js';
  // Vitest evaluates this file twice in one process (the root config, then again to resolve
  // the projects): the second evaluation reuses the bundles the first one is building (about
  // 0.7-1 s on 2 cores). Only within a few seconds, so a watch-mode restart rebuilds them.
  const cache = globalThis as { edgeAuthTestBuilds?: { at: number; done: Promise<unknown> } };
  if (!cache.edgeAuthTestBuilds || Date.now() - cache.edgeAuthTestBuilds.at > 10_000) {
    cache.edgeAuthTestBuilds = {
      at: Date.now(),
      done: Promise.all([
        build({
          entryPoints: ['examples/consumer/src/index.ts'],
          outfile: consumerScript,
          bundle: true,
          format: 'esm',
          logLevel: 'warning',
        }),
        build({
          entryPoints: ['examples/relying-party/src/index.ts'],
          outfile: relyingPartyScript,
          bundle: true,
          format: 'esm',
          logLevel: 'warning',
        }),
        // Wrapped so that its expected error logs go to the test, not the run's output.
        buildWorker(unconfiguredScript, 'test/fixtures/unconfigured-worker.ts'),
      ]),
    };
  }
  await cache.edgeAuthTestBuilds.done;
  const compatibilityDate = '2026-10-20';
  const consumer = (name: string, auth: string) => ({
    name,
    modules: true,
    scriptPath: consumerScript,
    compatibilityDate,
    serviceBindings: { AUTH: { name: auth, entrypoint: 'AuthService' } },
  });
  return {
    test: {
      // The worker's JSON logs are noise when a test passes and evidence when it fails. A
      // reporter option, so it is set here for every project, not inside one.
      silent: 'passed-only' as const,
      // Vitest's default is one worker per core but one, i.e. one on a 2-core CI runner: the
      // files then run one after another, though each spends much of its time waiting on
      // workerd (starting it, connecting, loading modules: 3.5-5 s per file). Two per core
      // (measured on 2 cores, whole suite, nothing else running: 2 workers 193 s, 4 workers
      // 156 s, 6 workers 167 s as the files start to fight over the cores).
      maxWorkers: Math.max(2, availableParallelism() * 2),
      projects: [
        {
          plugins: [
            cloudflareTest({
              // Tests run the TypeScript sources; wrangler.toml's main is the built bundle.
              main: './src/index.ts',
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                bindings: {
                  ...DEVELOPMENT_VARS,
                  ...secrets,
                  SERVICE_API_KEYS: JSON.stringify(TEST_SERVICE_KEYS),
                  TEST_MIGRATIONS: migrations,
                  // A tenth of production's derivation cost (config's minimum): most tests
                  // register and sign in many users, and the hash was most of their CPU. The
                  // files about hashing and limits put 100,000 back (useVarsForThisFile).
                  PBKDF2_ITERATIONS: '10000',
                  // Production checks new passwords against the range API (fail-open); here
                  // only test/breached-passwords.test.ts turns it on, against test/fake-pwned.ts,
                  // so the other files' thousands of sign-ups make no outbound call.
                  BREACHED_PASSWORDS: 'off',
                  TEST_WRANGLER_VARS: JSON.stringify(committedVars),
                  TEST_WRANGLER_RATELIMITS: JSON.stringify(committed.ratelimits),
                  // Webhook retries at once (no back-off), 3 attempts, a 1 s receiver timeout:
                  // the webhooks tests go through retries and a dead record in seconds.
                  WEBHOOK_RETRY_BASE_SECONDS: '0',
                  WEBHOOK_MAX_ATTEMPTS: '3',
                  WEBHOOK_TIMEOUT_MS: '1000',
                  TEST_RELYING_PARTY: JSON.stringify(RELYING_PARTY_VARS),
                },
                // A per-IP limit low enough to reach in a test, swapped in for one of
                // wrangler.toml's with apiWithEnv (the binding's limit is fixed at start).
                // The analytics consumer as in wrangler.toml, but a partial batch waits 0.2 s
                // instead of 2: the analytics tests wait for the aggregator on every check.
                queueConsumers: {
                  'edge-auth-analytics': {
                    maxBatchSize: 100,
                    maxBatchTimeout: 0.2,
                    maxRetries: 3,
                    retryDelay: 5,
                    deadLetterQueue: 'analytics-dlq',
                  },
                  // The webhooks consumer as in wrangler.toml, but quick: the tests wait on it.
                  'edge-auth-webhooks': {
                    maxBatchSize: 10,
                    maxBatchTimeout: 0.2,
                    maxRetries: 20,
                    retryDelay: 0,
                    deadLetterQueue: 'webhooks-dlq',
                  },
                },
                ratelimits: {
                  TEST_RATE_LIMIT_3: { namespace_id: '9001', simple: { limit: 3, period: 60 } },
                },
                outboundService: fakeProviders,
                serviceBindings: {
                  CONSUMER: 'example-consumer',
                  CONSUMER_AUTH_DOWN: 'example-consumer-auth-down',
                  AUTH_DOWN: 'edge-auth-unconfigured',
                  RELYING_PARTY: 'example-relying-party',
                },
                workers: [
                  // The plugin names the worker under test after its project.
                  consumer('example-consumer', 'vitest-plugin-runner-workerd'),
                  consumer('example-consumer-auth-down', 'edge-auth-unconfigured'),
                  {
                    name: 'example-relying-party',
                    modules: true,
                    scriptPath: relyingPartyScript,
                    compatibilityDate,
                    bindings: RELYING_PARTY_VARS,
                    serviceBindings: { AUTH: 'vitest-plugin-runner-workerd' },
                  },
                  {
                    name: 'edge-auth-unconfigured',
                    modules: true,
                    scriptPath: unconfiguredScript,
                    compatibilityDate,
                  },
                ],
              },
            }),
          ],
          test: {
            name: 'workerd',
            include: ['test/**/*.test.ts'],
            exclude: ['test/node/**', 'test/browser/**'],
            setupFiles: ['./test/setup.ts'],
            // Pre-bundle the dependencies (one module each instead of ~350 files): every test
            // file starts its own workerd, which fetches each module of its graph from Vite over
            // a WebSocket, one after another (smoke.test.ts: 525 modules, 10.2 MB, before; 205
            // and 6.0 MB after). Same packages, same code. Measured on 18 of the files, 2 cores,
            // load average 4-5: 101 s -> 78 s wall, 97 -> 94 CPU seconds.
            deps: {
              optimizer: {
                ssr: {
                  enabled: true,
                  // Every entry point src/ and test/ import, so each package is loaded once.
                  include: [
                    'zod',
                    '@hono/zod-openapi',
                    'hono',
                    'hono/body-limit',
                    'hono/cookie',
                    'hono/cors',
                    'hono/http-exception',
                    'hono/jsx',
                    'hono/jsx/jsx-runtime',
                    'hono/jsx/jsx-dev-runtime',
                    'hono/request-id',
                    'hono/secure-headers',
                    'drizzle-orm',
                    'drizzle-orm/batch',
                    'drizzle-orm/d1',
                    'drizzle-orm/libsql/http',
                    'drizzle-orm/sqlite-core',
                    'jose',
                    'otpauth',
                    'uqr',
                    '@libsql/client',
                    '@libsql/client/http',
                    '@noble/hashes/pbkdf2.js',
                    '@noble/hashes/sha2.js',
                    '@noble/hashes/utils.js',
                    'parse-prometheus-text-format',
                    'standardwebhooks',
                  ],
                },
              },
            },
            testTimeout: 30_000,
          },
        },
        {
          // The query layer and the migration script against the real libSQL engine
          // (@libsql/client on a file: database), in Node: no libSQL server can be installed
          // here, and the web client the Worker uses speaks to one over HTTP.
          test: {
            name: 'libsql',
            environment: 'node',
            include: ['test/node/**/*.test.ts'],
            testTimeout: 30_000,
          },
        },
        {
          // Headless Chromium (playwright-core on the system's browser) against the worker
          // served by wrangler dev: the hosted pages and client/browser.ts as a user meets them.
          test: {
            name: 'browser',
            environment: 'node',
            include: ['test/browser/**/*.test.ts'],
            testTimeout: 60_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});
