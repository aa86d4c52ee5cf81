import { describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';

/**
 * The worker runs without Node polyfills (issue 23): none of the peers on Workers need them, they
 * add to the bundle and to start-up, and `nodejs_compat` would let a `node:` import slip into
 * src/ unnoticed. Every flag that pulls Node APIs or polyfills is named `nodejs_*` (nodejs_compat,
 * nodejs_compat_v2, nodejs_als, nodejs_zlib, …); wrangler's old `node_compat` is refused too.
 */
const pullsNode = (flag: string) => /^(nodejs_|node_compat)/.test(flag);

describe('wrangler.toml: no Node compatibility', () => {
  it('recognises the flags that pull Node polyfills', () => {
    expect(
      ['nodejs_compat', 'nodejs_als', 'nodejs_compat_v2', 'nodejs_zlib'].every(pullsNode),
    ).toBe(true);
    expect(['global_fetch_strictly_public', 'streams_enable_constructors'].some(pullsNode)).toBe(
      false,
    );
  });

  it('declares no such flag, at the top level or in any environment', () => {
    const config = unstable_readConfig({ config: 'wrangler.toml' });
    const flags = [
      ...(config.compatibility_flags ?? []),
      ...Object.values(config.env ?? {}).flatMap(
        (e) => (e as { compatibility_flags?: string[] }).compatibility_flags ?? [],
      ),
    ];
    expect(flags.filter(pullsNode)).toEqual([]);
    expect((config as { node_compat?: unknown }).node_compat ?? false).toBe(false);
  });
});
