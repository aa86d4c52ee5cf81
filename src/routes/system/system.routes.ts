import { createRoute } from '@hono/zod-openapi';
import { errorResponses } from '../../http/openapi';
import { bearerAuth, jsonResponse, serviceAuth, publicRoute } from '../../http/openapi';
import { HealthSchema, JwksSchema, ReadySchema, ServiceInfoSchema } from './system.schemas';

const tags = ['System'];

export const root = createRoute({
  method: 'get',
  path: '/',
  operationId: 'getServiceInfo',
  security: publicRoute,
  tags,
  summary: 'Service name, version and links',
  description:
    'Names the service and links to the API reference, this document and the JWKS. Public.',
  responses: { 200: jsonResponse(ServiceInfoSchema, 'Service information') },
});

export const health = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  tags,
  summary: 'Component health',
  description:
    'Each binding is probed. Everyone sees ok/degraded and which component fails (config, database, sessions, rate_limiter, queue, secrets). Which secret is missing or weak (signing_key, password_pepper, service_keys) and the configuration problems by var name are shown only to a service (X-API-Key) or an admin bearer; any other credential gets the public view, never an error.',
  security: [{}, ...serviceAuth, ...bearerAuth],
  responses: {
    200: jsonResponse(HealthSchema, 'Every required component is healthy'),
    503: jsonResponse(HealthSchema, 'A required component is unhealthy'),
  },
});

export const ready = createRoute({
  method: 'get',
  path: '/health/ready',
  operationId: 'getReadiness',
  security: publicRoute,
  tags,
  summary: 'Readiness: migrations applied and bindings answering',
  description:
    'For load balancers and deploy checks: 200 once every migration of this build is applied (and every table they create exists), the session store answers and the configuration is valid; 503 otherwise, naming the pending migrations and missing tables. Public.',
  responses: {
    200: jsonResponse(ReadySchema, 'Ready'),
    503: jsonResponse(ReadySchema, 'Not ready'),
  },
});

export const jwks = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'getJwks',
  security: publicRoute,
  tags,
  summary: 'Public keys that verify access and ID tokens',
  description:
    'Public keys only: the EdDSA keys of access tokens and, when configured, the RS256 keys of ID tokens (the identity provider). Keys retired from signing stay here until their last tokens expire.',
  responses: { 200: jsonResponse(JwksSchema, 'JSON Web Key Set'), ...errorResponses(503) },
});
