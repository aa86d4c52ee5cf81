// The worker's build step (wrangler.toml [build]): bundles src/ into dist/worker.js, which
// wrangler then deploys or serves. It exists for one reason: @hono/zod-openapi extends zod's
// whole namespace, so a plain bundle keeps every zod locale (~360 KB raw, ~41 KB gzipped) though
// the worker only speaks English. The plugin swaps the locales index for an English-only module.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyDocsAssets } from './docs-assets.mjs';

const englishOnly = fileURLToPath(new URL('./zod-locales.mjs', import.meta.url));

/**
 * Bundles the worker to `outfile` (the test run also loads a bundle as a second Worker, from an
 * `entry` that wraps src/index.ts; the bench passes bench/worker/entry.ts).
 */
export const buildWorker = async (
  outfile = fileURLToPath(new URL('../dist/worker.js', import.meta.url)),
  entry = fileURLToPath(new URL('../src/index.ts', import.meta.url)),
) => {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*'],
    sourcemap: true,
    logLevel: 'warning',
    write: false,
    plugins: [
      {
        name: 'zod-english-only',
        setup(b) {
          b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
            /[\\/]zod[\\/]/.test(args.importer) ? { path: englishOnly } : undefined,
          );
        },
      },
    ],
  });
  // Each file is written only when its bytes changed: every `wrangler dev` of this checkout
  // watches dist/worker.js and reloads its worker when it is rewritten, so another one starting
  // (a second dev server, the browser tests) would otherwise drop requests in flight.
  for (const file of result.outputFiles) {
    if (existsSync(file.path) && readFileSync(file.path).equals(file.contents)) continue;
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.contents);
  }
  return result;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildWorker();
  // wrangler serves and uploads public/ beside the bundle ([assets] in wrangler.toml).
  copyDocsAssets();
}
