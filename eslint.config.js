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
    rules: {
      // The regular expressions with control characters exist to reject them (header injection
      // in email addresses, invisible characters in names): every one is deliberate, which is
      // the case the rule cannot tell from an accident.
      'no-control-regex': 'off',
    },
  },
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
    // ARCHITECTURE.md: no source file over 300 lines (blank lines and comments count: a file
    // is read whole). A file that grows past it is split by what it does.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: { 'max-lines': ['error', { max: 300 }] },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests are HTTP clients: they read response bodies as the untyped JSON a client gets
      // (`api()` and `res.json()` give `any`) and check every field they rely on with expect().
      // Typing the bodies would assert the shape through a cast instead of testing it, so the
      // rules against reading `any` do not apply to them. Everything else does.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // As for TypeScript above: `_name` is a binding kept on purpose, e.g. a key a rest
      // destructuring leaves out (`const { d: _d, ...publicPart } = jwk`).
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
