// knip: files, exports and dependencies nothing uses. `npm run lint:unused`; .ci/run fails on
// any finding. Entry points are everything that runs on its own: the Worker, the scripts and the
// bench, the tests and their configs, the example consumer, the client package.
import type { KnipConfig } from 'knip';

const config: KnipConfig = {
  workspaces: {
    '.': {
      entry: [
        'src/index.ts',
        'scripts/*.mjs',
        'test/**/*.test.ts',
        'examples/consumer/src/index.ts',
        // Built by vitest.config.ts (buildWorker) as the worker with no database behind it.
        'test/fixtures/unconfigured-worker.ts',
      ],
      project: [
        'src/**/*.{ts,tsx}',
        'test/**/*.ts',
        'scripts/**/*.mjs',
        'bench/**/*.mjs',
        'examples/**/*.ts',
      ],
      ignoreDependencies: [
        // Run as programs, not imported: scripts/lint-openapi.mjs spawns `redocly` and `spectral`.
        '@redocly/cli',
        '@stoplight/spectral-cli',
        // scripts/docs-assets.mjs copies its browser bundle out of node_modules into public/.
        '@scalar/api-reference',
        // The parser dependency-cruiser loads by name (`parser: 'swc'` in .dependency-cruiser.cjs).
        '@swc/core',
        // PENDING (issues 25-29, added ahead so that parallel branches share one lockfile): each
        // leaves this list in the commit that first imports it.
        'arctic',
        'openid-client',
        'oidc-provider',
      ],
    },
    client: {
      entry: ['generate.mjs'],
    },
    // The peer the bench compares against: its own package (installed on first use by
    // bench/lib/peer.mjs), started as a program.
    // Its worker.mjs is bundled by bench/lib/peer.mjs for a workerd of its own.
    'bench/peers/better-auth': {
      entry: ['server.mjs', 'worker.mjs'],
    },
  },
};

export default config;
