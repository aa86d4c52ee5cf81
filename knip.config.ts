// knip: files, exports and dependencies nothing uses. `npm run lint:unused`; .ci/run fails on
// any finding. Entry points are everything that runs on its own: the Worker, the scripts and the
// bench, the tests and their configs, the example consumer, the client package.
import type { KnipConfig } from 'knip';

const config: KnipConfig = {
  // PENDING (issue 21): unused exports in files other branches are rewriting at the same
  // time (sign-in, organizations, analytics and service keys, hosted pages, the perf entry).
  // Remove an entry when its file is fixed; the list only shrinks. revokeOneTimeTokens
  // (db/queries/tokens.ts) is one of them: its comment's promise is the sign-in branch's.
  ignoreIssues: {
    'src/config.ts': ['exports', 'types'],
    'src/db/queries/tokens.ts': ['exports'],
    'src/domain/access.ts': ['types'],
    'src/domain/analytics/{ingest,messages,producer}.ts': ['exports'],
    'src/domain/{mfa,mfa-codes,sessions}.ts': ['exports'],
    'src/domain/organizations.ts': ['exports', 'types'],
    'src/http/middleware/body-guard.ts': ['exports'],
    'src/lib/round-trips.ts': ['types'],
    'src/routes/auth/{account.routes,tokens.schemas}.ts': ['exports'],
    'src/routes/organizations/organizations.schemas.ts': ['exports'],
    'src/routes/pages/{pages.security.ts,pages.views.tsx}': ['exports'],
    'test/helpers-mfa.ts': ['exports'],
  },
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
