// The documentation's links and the file paths that comments and docs name must lead somewhere
// (issue 21 §3): a moved or renamed file leaves no stale pointer behind. Plain file reading, so
// it runs in Node (vitest project `libsql`); workerd's tests cannot read the repository.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const README_MAX_BYTES = 15 * 1024;

/**
 * Files under `dir` (repository-relative, `/`-separated), skipping installed and built trees and
 * dot-folders (.wrangler, bench/.tmp: local state, not in git).
 */
const SKIP_DIRS = new Set(['node_modules', 'dist', 'public']);
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(join(ROOT, rel)).isDirectory()) {
      if (!SKIP_DIRS.has(name) && !name.startsWith('.')) out.push(...walk(rel));
    } else out.push(rel);
  }
  return out;
}

/** The documentation: the README, ARCHITECTURE.md and every page of docs/. */
const DOCS = [
  'README.md',
  'ARCHITECTURE.md',
  ...walk('docs').filter((f) => f.endsWith('.md')),
].sort();

/** Source whose comments are read (generated files aside). */
const GENERATED = new Set([
  'src/worker-configuration.d.ts',
  'src/lib/common-passwords.data.ts',
  'client/api.d.ts',
]);
const SOURCES = ['src', 'test', 'scripts', 'bench', 'client', 'examples']
  .flatMap(walk)
  .filter((f) => /\.(ts|tsx|mjs|cjs|js)$/.test(f) && !GENERATED.has(f))
  .sort();

/**
 * The comments of a JS/TS file, in order. A small lexer: it skips string and template literals
 * and regular-expression literals (a `/` after an operator or an opening bracket starts one), so
 * a `//` inside a URL string or a regex is not taken for a comment.
 */
export function commentsOf(source: string): string[] {
  const comments: string[] = [];
  let i = 0;
  let prev = ''; // the last significant character outside comments
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      comments.push(source.slice(i + 2, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end;
      comments.push(source.slice(i + 2, stop));
      i = stop + 2;
    } else if (c === '"' || c === "'" || c === '`') {
      i = skipString(source, i, c);
      prev = c;
    } else if (c === '/' && (prev === '' || '(,=:[!&|?{};+-*%<>~^'.includes(prev))) {
      i = skipRegex(source, i);
      prev = '/';
    } else {
      if (!/\s/.test(c)) prev = c;
      i++;
    }
  }
  return comments;
}

function skipString(source: string, start: number, quote: string): number {
  let i = start + 1;
  let depth = 0; // `${` nesting inside a template literal
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\') i += 2;
    else if (quote === '`' && c === '$' && source[i + 1] === '{') {
      depth++;
      i += 2;
    } else if (quote === '`' && depth > 0 && c === '}') {
      depth--;
      i++;
    } else if (depth === 0 && c === quote) return i + 1;
    else if (quote !== '`' && c === '\n')
      return i; // unterminated: stop at the line's end
    else i++;
  }
  return i;
}

function skipRegex(source: string, start: number): number {
  let i = start + 1;
  let inClass = false;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\') i += 2;
    else if (c === '\n') return i;
    else if (inClass) {
      if (c === ']') inClass = false;
      i++;
    } else if (c === '[') {
      inClass = true;
      i++;
    } else if (c === '/') return i + 1;
    else i++;
  }
  return i;
}

/**
 * What counts as a file path: a token of word characters, dots and dashes with at least one
 * `/`, ending in one of the extensions below, e.g. `src/lib/jwt.ts`, `lib/jwt.ts`,
 * `./libsql-db.ts`. Not a path: a URL
 * (`https://…/x.js`), a package subpath (`@noble/hashes/sha2.js`: a token that follows `@`),
 * a pattern with a placeholder or a wildcard (`<name>/object.ts`, `migrations/*.sql`,
 * `{group}.ts`), and the part after a `#` or `:`. The token must not touch a word character,
 * `/`, `@`, `:`, `<`, `>`, `*`, `{`, `}` or `$` on either side.
 */
const PATH =
  /(?<![\w@/:<>*{}$.-])(?:\.\.?\/)*[\w-][\w.-]*(?:\/[\w.-]+)+\.(?:ts|tsx|mjs|cjs|js|md|toml|sql|json|yaml|yml)(?![\w/<>*{}-])/g;

export function pathsIn(text: string): string[] {
  return [...text.matchAll(PATH)].map((m) => m[0]);
}

/**
 * Names that look like paths but are not files of this repository, each with the reason.
 * Build outputs and files a command writes are named in comments on purpose.
 */
const NOT_FILES: Record<string, string> = {
  'dist/worker.js': 'the bundle scripts/build.mjs writes',
  'dist/test-unconfigured/worker.js': 'a bundle vitest.config.ts builds for the tests',
  'examples/consumer/dist/index.js': 'a bundle vitest.config.ts builds for the tests',
  'dist/openapi.json': 'the document scripts/openapi-dump-reporter.mjs writes for the linters',
};

/**
 * A path resolves if it names an existing file or folder relative to the folder of the file
 * that names it or any folder above it up to the repository root (so `middleware/…`
 * in src/http/openapi.ts means src/http/middleware/…), or relative to src/ (the docs
 * say `lib/jwt.ts` for src/lib/jwt.ts).
 */
function resolvePath(path: string, from: string): string | undefined {
  const candidates = [join(ROOT, 'src', path)];
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    candidates.unshift(join(ROOT, dir, path));
    if (dir === '.' || dir === '') break;
  }
  return candidates.find((p) => existsSync(p));
}

const outsideRepo = (abs: string) => relative(ROOT, abs).startsWith('..');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
export function slugOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = slugOf(heading[1]!);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Markdown link targets, `[text](target)` and `[label]: target`, outside fenced code. */
function linksOf(markdown: string): string[] {
  const prose = markdown.replace(/^\s*(```|~~~)[\s\S]*?^\s*\1/gm, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (m) => m[1]!,
  );
  const defs = [...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!);
  return [...inline, ...defs];
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('the lexer and the path pattern', () => {
  it('finds comments, not strings or regexes', () => {
    const src = [
      "const u = 'https://example.com/a.js'; // see src/a.ts",
      'const r = /\\/\\/ not a comment/; /* block: test/b.ts */',
      'const t = `${x}//y`; // `src/c.ts`',
    ].join('\n');
    expect(commentsOf(src).flatMap(pathsIn)).toEqual(['src/a.ts', 'test/b.ts', 'src/c.ts']);
  });

  it('takes paths, not URLs, package subpaths or patterns', () => {
    const text =
      'src/lib/jwt.ts, `domain/login.ts`. https://x.dev/a/b.js @noble/hashes/sha2.js ' +
      '<name>/object.ts migrations/*.sql queries/{group}.ts ../shared/spec/api.md login.ts';
    expect(pathsIn(text)).toEqual(['src/lib/jwt.ts', 'domain/login.ts', '../shared/spec/api.md']);
  });

  it("computes GitHub's anchors", () => {
    expect(slugOf('Organizations `/organizations`')).toBe('organizations-organizations');
    expect(slugOf('libSQL / Turso')).toBe('libsql--turso');
  });
});

describe('the documentation', () => {
  it(`README.md is at most ${README_MAX_BYTES} bytes`, () => {
    expect(Buffer.byteLength(read('README.md'))).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('every relative link resolves to a file of the repository, and its #anchor to a heading', () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      for (const target of linksOf(read(doc))) {
        if (isExternal(target)) continue;
        const [path = '', anchor] = target.split('#');
        const abs = path ? resolve(ROOT, dirname(doc), decodeURIComponent(path)) : join(ROOT, doc);
        if (outsideRepo(abs)) broken.push(`${doc}: ${target} (outside the repository)`);
        else if (!existsSync(abs)) broken.push(`${doc}: ${target} (no such file)`);
        else if (
          anchor &&
          extname(abs) === '.md' &&
          !anchorsOf(readFileSync(abs, 'utf8')).has(anchor)
        )
          broken.push(`${doc}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('file paths named in comments and docs', () => {
  const named = [
    ...SOURCES.map((file) => ({ file, paths: commentsOf(read(file)).flatMap(pathsIn) })),
    ...DOCS.map((file) => ({ file, paths: pathsIn(read(file)) })),
  ];

  it('reads enough to mean something', () => {
    expect(SOURCES.length).toBeGreaterThan(100);
    expect(named.reduce((n, { paths }) => n + paths.length, 0)).toBeGreaterThan(150);
  });

  it('every one exists', () => {
    const stale: string[] = [];
    for (const { file, paths } of named) {
      for (const path of paths) {
        if (NOT_FILES[path]) continue;
        if (!resolvePath(path, file)) stale.push(`${file}: ${path}`);
      }
    }
    expect(stale).toEqual([]);
  });

  it('none points outside the repository (../shared/ is not shipped)', () => {
    const outside: string[] = [];
    for (const { file, paths } of named) {
      for (const path of paths) {
        const abs = resolvePath(path, file);
        if (
          path.includes(`..${sep}shared`) ||
          path.includes('../shared') ||
          (abs && outsideRepo(abs))
        )
          outside.push(`${file}: ${path}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
