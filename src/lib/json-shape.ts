/**
 * Checks of parsed JSON that must not recurse: a 10 KB body can nest 5,000 levels, and a
 * recursive walk (or zod's) would overflow the stack and answer 500 (security.md "input").
 */

/** Nesting depth of a JSON value (a scalar is 0, `{}` and `[]` are 1), walked iteratively. */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

export type JsonProblem = { path: string; message: string };

/**
 * The first thing in a request body that no field may hold: nesting beyond `maxDepth`, or a
 * string or key that is not well-formed Unicode (a lone surrogate such as "\ud800" cannot be
 * stored, compared or mailed faithfully). Null when the body is clean.
 */
export function findJsonProblem(value: unknown, maxDepth: number): JsonProblem | null {
  const stack: [unknown, string[]][] = [[value, []]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      if (!node.isWellFormed()) return illFormed(path);
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (path.length >= maxDepth) {
      return { path: fieldOf(path), message: `must nest at most ${maxDepth} levels` };
    }
    for (const [key, child] of Object.entries(node)) {
      if (!key.isWellFormed()) return illFormed(path);
      stack.push([child, [...path, key]]);
    }
  }
  return null;
}

const fieldOf = (path: string[]) => (path.length ? path.join('.') : '(body)');

const illFormed = (path: string[]): JsonProblem => ({
  path: fieldOf(path),
  message: 'must be well-formed Unicode (no lone surrogates)',
});
