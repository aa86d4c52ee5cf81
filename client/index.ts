import createClient from 'openapi-fetch';
import type { ClientOptions } from 'openapi-fetch';
import type { components, paths } from './api.js';

export type { components, paths };

/** The API's error body (every 4xx/5xx answer has it). */
export type ApiError = components['schemas']['Error'];

/**
 * A typed client of the edge-auth HTTP API: paths, bodies, parameters and answers come from the
 * OpenAPI document the worker serves (client/api.d.ts, checked against it in CI), through
 * openapi-fetch. Pass `fetch` to reach the worker another way (a service binding's
 * `env.AUTH.fetch`, a test's worker).
 *
 *   const auth = createAuthClient({ baseUrl: 'https://auth.example.com' });
 *   const { data, error } = await auth.POST('/auth/login', { body: { email, password } });
 */
export const createAuthClient = (options: ClientOptions & { baseUrl: string }) =>
  createClient<paths>(options);

export type AuthClient = ReturnType<typeof createAuthClient>;
