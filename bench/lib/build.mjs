// The deployable bundle: built by `wrangler deploy --dry-run --outdir` (what `npm run deploy`
// would upload), measured raw and gzipped, attributed to packages, and its start-up profiled by
// `wrangler check startup` (CPU spent evaluating the module in a local workerd).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { bundlePath, wrangler } from './runtime.mjs';

const gz = (text) => gzipSync(Buffer.from(text)).length;

/** Builds the worker of checkout `cwd` into `outdir`; returns the bundle's path and sizes. */
export function buildWorker(outdir, cwd) {
  wrangler(['deploy', '--dry-run', '--outdir', outdir], cwd);
  const path = bundlePath(outdir);
  const code = readFileSync(path, 'utf8');
  return { path, ...bundleStats(code) };
}

/**
 * Sizes, by package. esbuild (unminified, as wrangler builds) marks each module with a
 * `// node_modules/<pkg>/...` or `// src/...` comment line; the text up to the next marker is
 * attributed to it. zod's locale modules are counted apart: only English is ever used.
 */
function bundleStats(code) {
  const marker = /^\/\/ ((?:node_modules|src)\/\S+|[\w.-]+\.(?:json|m?js|ts))$/gm;
  const spans = [{ at: 0, file: '(runtime helpers)' }];
  let match;
  while ((match = marker.exec(code))) spans.push({ at: match.index, file: match[1] });
  const byPackage = {};
  const locales = [];
  const rest = [];
  spans.forEach((span, i) => {
    const text = code.slice(span.at, spans[i + 1]?.at ?? code.length);
    const pkg =
      /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(span.file)?.[1] ?? span.file.split('/')[0];
    byPackage[pkg] = (byPackage[pkg] ?? 0) + text.length;
    const isLocale = /^node_modules\/zod\/.*\/locales\/(?!index\.|en\.)[^/]+$/.test(span.file);
    (isLocale ? locales : rest).push(text);
  });
  const localeText = locales.join('');
  return {
    rawBytes: Buffer.byteLength(code),
    gzipBytes: gz(code),
    packages: Object.entries(byPackage)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([name, bytes]) => ({ name, rawBytes: bytes })),
    zodLocales: {
      bundled: locales.length > 0,
      modules: locales.length,
      rawBytes: Buffer.byteLength(localeText),
      // What the gzipped bundle would lose without them.
      gzipSavingBytes: locales.length ? gz(code) - gz(rest.join('')) : 0,
    },
  };
}

/**
 * `wrangler check startup`: a CPU profile of the worker's start-up (module evaluation) in a local
 * workerd. Returns the active CPU time (samples that are not idle) and its heaviest functions.
 */
export function profileStartup(outfile) {
  wrangler(['check', 'startup', '--outfile', outfile]);
  const profile = JSON.parse(readFileSync(outfile, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  let activeUs = 0;
  let gcUs = 0;
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    const fn = node.callFrame.functionName || '(anonymous)';
    if (fn === '(idle)') return;
    activeUs += us;
    if (fn === '(garbage collector)') gcUs += us;
    const where = `${fn} ${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber + 1}`;
    self.set(where, (self.get(where) ?? 0) + us);
  });
  const ms = (us) => Math.round(us / 100) / 10;
  return {
    activeCpuMs: ms(activeUs),
    gcMs: ms(gcUs),
    windowMs: ms(profile.endTime - profile.startTime),
    top: [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([where, us]) => ({ where, ms: ms(us) })),
  };
}
