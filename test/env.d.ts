import type { D1Migration } from 'cloudflare:test';
import type { Bindings } from '../src/config';

declare global {
  namespace Cloudflare {
    // wrangler.toml's bindings come from src/worker-configuration.d.ts; tests add these.
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
      /** wrangler.toml's [vars] as committed (JSON), read by vitest.config.ts. */
      TEST_WRANGLER_VARS: string;
      /** examples/consumer, bound to this worker's AuthService (vitest.config.ts). */
      CONSUMER: Fetcher;
      /** The same consumer, bound to a copy of this worker with no database and no secrets. */
      CONSUMER_AUTH_DOWN: Fetcher;
      /** That copy itself: GET /__test/logs returns (and clears) what it logged. */
      AUTH_DOWN: Fetcher;
      /** wrangler.toml's [[ratelimits]] as committed (JSON). */
      TEST_WRANGLER_RATELIMITS: string;
      /** examples/relying-party, bound to this worker's fetch (vitest.config.ts). */
      RELYING_PARTY: Fetcher;
      /** Its vars (JSON): the client it is, its redirect URI (vitest.config.ts). */
      TEST_RELYING_PARTY: string;
      /** A Rate Limiting binding allowing 3 per minute (vitest.config.ts). */
      TEST_RATE_LIMIT_3: RateLimit;
    }
  }
}

declare module 'vitest' {
  interface TaskMeta {
    /** The served OpenAPI document (test/openapi.test.ts, scripts/openapi-dump-reporter.mjs). */
    openapi?: string;
  }
}
