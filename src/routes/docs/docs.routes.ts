import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../../http/openapi';
import { headerRefs } from '../../http/openapi-headers';
import { jsonResponse, publicRoute } from '../../http/openapi';

// Documented with registerPath and served by plain handlers (docs.index.ts): their bodies (this
// document itself, HTML) are not zod-typed JSON.
const tags = ['System'];

export const openapiDocument = createRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  security: publicRoute,
  tags,
  summary: 'This OpenAPI 3.1 document',
  description:
    'Generated from the same zod schemas that validate requests. `servers` names the origin it was fetched from. Public; cacheable for 5 minutes.',
  responses: {
    200: jsonResponse(
      z.looseObject({ openapi: z.string() }).openapi({ description: 'An OpenAPI 3.1 document' }),
      'The document',
    ),
    ...errorResponses(503),
  },
});

export const docsPage = createRoute({
  method: 'get',
  path: '/docs',
  operationId: 'getDocsPage',
  security: publicRoute,
  tags,
  summary: 'Interactive API reference',
  description:
    "An HTML page rendering this document with Scalar's API reference, served with its script from this origin (nothing is loaded from elsewhere). Public.",
  responses: {
    200: {
      description: 'The page',
      headers: headerRefs('X-Request-ID'),
      content: { 'text/html': { schema: z.string() } },
    },
    ...errorResponses(503),
  },
});
