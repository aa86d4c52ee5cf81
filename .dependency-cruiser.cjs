// Dependency rules of src/ (docs: ARCHITECTURE.md): routes → domain → (db, durable-objects,
// lib); the domain and everything below it never see Hono; nothing imports upward; no cycles.
// `npm run lint:deps` checks them, and .ci/run fails on any violation.
const HONO = '(^|/)node_modules/(hono|@hono)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles hide layering mistakes.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-without-hono',
      severity: 'error',
      comment:
        'The domain and the layers below it never see Hono, so RPC, tests and queue consumers call the same code.',
      from: { path: '^src/(domain|lib|db|durable-objects)/' },
      to: { path: HONO },
    },
    {
      name: 'domain-not-upward',
      severity: 'error',
      comment: 'The domain does not know who calls it (HTTP, RPC, queue).',
      from: { path: '^src/domain/' },
      to: { path: '^src/(routes|http|app|rpc|queue|index)' },
    },
    {
      name: 'lib-is-primitives',
      severity: 'error',
      comment: 'lib/ holds primitives: they import only each other.',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'db-is-storage',
      severity: 'error',
      comment: 'All SQL lives in db/, which knows nothing above it.',
      from: { path: '^src/db/' },
      to: { path: '^src/', pathNot: '^src/db/' },
    },
    {
      name: 'durable-objects-below-domain',
      severity: 'error',
      comment: 'A Durable Object holds its state and pure logic; it uses primitives only.',
      from: { path: '^src/durable-objects/' },
      to: { path: '^src/', pathNot: '^src/(durable-objects|lib)/' },
    },
    {
      name: 'handlers-go-through-the-domain',
      severity: 'error',
      comment: 'A route never talks to a Durable Object itself (types are fine).',
      from: { path: '^src/routes/' },
      to: { path: '^src/durable-objects/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'edges-see-no-db',
      severity: 'error',
      comment:
        'Routes and http/ never import db/, not even a type: row types and enums come through the domain module that owns them (users, profile, events, org-roles, organizations, org-invitations, health; the database handle through deps), so the storage can change under an unchanged edge.',
      from: { path: '^src/(routes|http)/' },
      to: { path: '^src/db/' },
    },
    {
      name: 'rpc-not-http-schemas',
      severity: 'error',
      comment:
        'The RPC entrypoint is an edge of its own: it validates with the domain schemas (domain/service-questions.ts, domain/analytics/messages.ts), never with the HTTP ones.',
      from: { path: '^src/rpc-calls\\.ts$' },
      to: { path: '^src/(http|routes)/' },
    },
    {
      name: 'route-folders-independent',
      severity: 'error',
      comment: 'No route folder imports another: shared shapes live in src/http.',
      from: { path: '^src/routes/([^/]+)/' },
      to: { path: '^src/routes/', pathNot: '^src/routes/$1/' },
    },
    {
      name: 'http-not-routes',
      severity: 'error',
      comment: 'Middleware and shared API shapes serve every route folder, so they import none.',
      from: { path: '^src/http/' },
      to: { path: '^src/routes/' },
    },
    {
      name: 'config-is-a-leaf',
      severity: 'error',
      comment: 'Everything reads the config; it reads only primitives.',
      from: { path: '^src/config\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(config\\.ts|lib/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    // The project's TypeScript 7 has no compiler API yet; swc parses the sources instead.
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    includeOnly: '^src/|node_modules/(hono|@hono)/',
    exclude: { path: 'worker-configuration\\.d\\.ts$' },
  },
};
