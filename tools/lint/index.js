// The root eslint.config.js imports typescript-eslint through this workspace: installed here,
// next to TypeScript 6.0 (the last version with the compiler API typescript-eslint parses with),
// while the project itself builds with TypeScript 7. The root package.json's `overrides` entry
// for ts-api-utils (a dependency of typescript-eslint that would otherwise be hoisted to the
// root, next to TypeScript 7) keeps it in this workspace too.
export { default as js } from '@eslint/js';
export { default as globals } from 'globals';
export { default as tseslint } from 'typescript-eslint';
