// The root eslint.config.js imports typescript-eslint through this workspace: installed here,
// next to TypeScript 6.0 (the last version with the compiler API typescript-eslint parses with),
// while the project itself builds with TypeScript 7.
export { default as js } from '@eslint/js';
export { default as globals } from 'globals';
export { default as tseslint } from 'typescript-eslint';
