// Copies the /docs renderer (Scalar's API reference, a devDependency pinned exactly in
// package.json and by package-lock.json) into public/, the folder that Workers Static Assets
// serves ([assets] in wrangler.toml). The page then loads nothing from another origin: it works
// offline, and what runs on the auth server's origin is what the lockfile names.
// Run by the build (scripts/build.mjs, which `wrangler dev`, so `npm run dev`, and `wrangler
// deploy` run first) and by vitest.config.ts, so the file exists wherever the worker runs;
// public/ is generated and ignored by git.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@scalar/api-reference';
const root = new URL('../', import.meta.url);

/** The renderer's URL path; src/routes/docs/docs.page.ts builds the same one. */
export const docsAssetPath = (version) => `/docs/assets/api-reference-${version}.js`;

export function copyDocsAssets() {
  const pinned = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).devDependencies[
    PACKAGE
  ];
  const installed = new URL(`node_modules/${PACKAGE}/`, root);
  const { version } = JSON.parse(readFileSync(new URL('package.json', installed), 'utf8'));
  // The worker names the file after the version in package.json: a range or a stale install
  // would serve a page whose script is missing.
  if (version !== pinned) {
    throw new Error(`${PACKAGE}: package.json pins "${pinned}" but ${version} is installed`);
  }
  // The standalone build is one self-contained file (its CSS included); no chunks to copy.
  const source = new URL('dist/browser/standalone.js', installed);
  const target = fileURLToPath(new URL(`public${docsAssetPath(version)}`, root));
  // Left alone when current: `wrangler dev` rebuilds on every change and watches public/.
  if (existsSync(target) && readFileSync(target).equals(readFileSync(source))) return target;
  // The folder holds only this file: a previous version's copy would be deployed too.
  rmSync(dirname(target), { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
  return target;
}
