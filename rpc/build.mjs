// The package is the worker's own src/rpc-types.ts, which declares types only and imports
// nothing (src/rpc.ts implements it, so the compiler keeps the two in step): npm pack copies it
// as dist/index.d.ts, the one source of truth staying in src/.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';

const source = new URL('../src/rpc-types.ts', import.meta.url);
if (/^\s*import\s/m.test(readFileSync(source, 'utf8'))) {
  console.error('src/rpc-types.ts must import nothing: the package has no dependency');
  process.exit(1);
}
mkdirSync(new URL('./dist/', import.meta.url), { recursive: true });
copyFileSync(source, new URL('./dist/index.d.ts', import.meta.url));
