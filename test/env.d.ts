import type { D1Migration } from 'cloudflare:test';
import type { Bindings } from '../src/types';

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
    }
    interface GlobalProps {
      mainModule: typeof import('../src/index');
      durableNamespaces: 'SessionStore' | 'RateLimiter' | 'CircuitBreaker';
    }
  }
}

declare module 'vitest' {
  interface TaskMeta {
    /** The served OpenAPI document (test/openapi.test.ts, scripts/openapi-dump-reporter.mjs). */
    openapi?: string;
  }
}
