import { defineConfig } from 'drizzle-kit';

// `drizzle-kit generate` writes SQL migrations that wrangler applies to D1 and the tests apply
// in workerd; the same schema runs on libSQL, since both speak SQLite.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema',
  out: './migrations',
});
