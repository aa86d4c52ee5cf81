import type { D1Migration } from 'cloudflare:test';
import type { Bindings } from '../src/types';

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
      /** wrangler.toml's [vars] as committed (JSON), read by vitest.config.ts. */
      TEST_WRANGLER_VARS: string;
    }
    interface GlobalProps {
      mainModule: typeof import('../src/index');
      durableNamespaces: 'SessionStore' | 'RateLimiter' | 'CircuitBreaker';
    }
  }
}
