// The client's types from the served OpenAPI document (openapi-typescript, which needs
// TypeScript 5: this workspace has its own, the repository's TypeScript is 7).
//   node client/generate.mjs DOCUMENT           writes client/api.d.ts
//   node client/generate.mjs DOCUMENT --check   fails if client/api.d.ts is not what DOCUMENT gives
// scripts/lint-openapi.mjs runs it on the document it recorded, so CI fails when the API
// changed and the client did not follow (`npm run client:types` regenerates it).
import { readFileSync, writeFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';

const [documentPath, flag] = process.argv.slice(2);
const out = new URL('./api.d.ts', import.meta.url);
const header =
  '// Generated from the served OpenAPI document by client/generate.mjs (npm run client:types).\n// Do not edit by hand.\n\n';
// defaultNonNullable: false keeps a field with a default optional in request bodies (the server
// fills it in): openapi-typescript 7 makes it required by default, and then the README's
// `{ name: 'Acme Analytics' }` for POST /organizations would not typecheck. Answers are
// unaffected: the document marks what the server always sends as required.
const ast = await openapiTS(JSON.parse(readFileSync(documentPath, 'utf8')), {
  defaultNonNullable: false,
});
const types = header + astToString(ast);

if (flag === '--check') {
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    // No client/api.d.ts yet: it is out of date like any other difference.
  }
  if (current !== types) {
    console.error('client/api.d.ts is out of date with the API: run npm run client:types');
    process.exit(1);
  }
  console.log('client/api.d.ts matches the served document');
} else {
  writeFileSync(out, types);
  console.log('client/api.d.ts written');
}
