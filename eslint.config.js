// ESLint: typescript-eslint's type-checked recommended rules over the TypeScript (src, test,
// client, examples, the vitest and drizzle configs), ESLint's recommended rules over the Node
// scripts (scripts/, bench/, *.mjs). `npm run lint`; .ci/run fails on any finding.
// typescript-eslint comes through the tools/lint workspace, which pins the TypeScript 6.0 it
// parses with (TypeScript 7 has no compiler API): see tools/lint/index.js.
import { globals, js, tseslint } from '@edge-auth/lint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      '.wrangler/',
      'public/',
      'coverage/',
      'bench/peers/',
      'bench/.tmp/',
      'test-artifacts/',
      // Generated: by wrangler types, openapi-typescript and scripts/generate-blocklist.mjs.
      'src/worker-configuration.d.ts',
      'client/api.d.ts',
      'src/lib/common-passwords.data.ts',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `_name` marks a parameter a signature needs but the body does not (a Hono handler's
      // context, an interface method's argument); TypeScript's noUnusedLocals checks the rest.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
