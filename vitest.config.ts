import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { fakeProviders } from './test/fake-provider';
import { TEST_SERVICE_KEYS } from './test/service-keys';
import { copyDocsAssets } from './scripts/docs-assets.mjs';
import { generateSecrets } from './scripts/secrets.mjs';

// Tests run inside workerd with the bindings declared in wrangler.toml (real D1 and Durable
// Objects). Secrets are generated per run, so no key is ever committed.
export default defineConfig(async () => {
  const migrations = await readD1Migrations('./migrations');
  const secrets = await generateSecrets('test-key-1');
  // The ASSETS binding serves public/: the /docs renderer must be there before workerd starts.
  copyDocsAssets();
  return {
    plugins: [
      cloudflareTest({
        // Tests run the TypeScript sources; wrangler.toml's main is the built bundle.
        main: './src/index.ts',
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            ...secrets,
            SERVICE_API_KEYS: JSON.stringify(TEST_SERVICE_KEYS),
            ADMIN_EMAILS: 'founder@admin.test',
            TEST_MIGRATIONS: migrations,
          },
          outboundService: fakeProviders,
        },
      }),
    ],
    test: {
      setupFiles: ['./test/setup.ts'],
      testTimeout: 30_000,
      // The worker's JSON logs are noise when a test passes and evidence when it fails.
      silent: 'passed-only' as const,
    },
  };
});
