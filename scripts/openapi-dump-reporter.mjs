// Vitest reporter for `npm run lint:openapi`: writes the OpenAPI document that
// test/openapi.test.ts fetched from the worker inside workerd (its task meta `openapi`) to
// dist/openapi.json, so the linters read exactly what the worker serves, with no network.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DOCUMENT = fileURLToPath(new URL('../dist/openapi.json', import.meta.url));

export default class OpenApiDumpReporter {
  onTestCaseResult(testCase) {
    const { openapi } = testCase.meta();
    if (typeof openapi !== 'string') return;
    mkdirSync(fileURLToPath(new URL('../dist/', import.meta.url)), { recursive: true });
    writeFileSync(DOCUMENT, openapi);
  }
}
