// Compiles the package for publishing (npm pack / npm publish run it as `prepack`): JavaScript
// plus .d.ts in dist/, with this workspace's TypeScript 5 (the repository's own is 7). api.d.ts
// is types only, so it is copied beside the output rather than compiled.
import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const here = (path) => new URL(path, import.meta.url);
rmSync(here('./dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const { status } = spawnSync(
  process.execPath,
  [tsc, '-p', here('./tsconfig.build.json').pathname],
  {
    stdio: 'inherit',
  },
);
if (status !== 0) process.exit(status ?? 1);
copyFileSync(here('./api.d.ts'), here('./dist/api.d.ts'));
