/**
 * The response headers the API sends, as OpenAPI header components. The response helpers
 * (jsonResponse, errorResponses) reference them, and the document registers them once, so
 * generated clients get one type per header.
 */
const integer = { type: 'integer', minimum: 0 } as const;

export const RESPONSE_HEADERS = {
  'X-Request-ID': {
    description:
      "The request's id: the caller's X-Request-ID when it sent one (up to 128 characters), else a generated UUID. Error bodies repeat it as request_id.",
    required: true,
    schema: { type: 'string', maxLength: 128 },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again (RFC 9110 §10.2.3).',
    required: true,
    schema: integer,
  },
  'X-RateLimit-Limit': {
    description:
      "Requests allowed per window (60 s) for this address on this route. The platform's rate limiter reports no remaining count or reset time, so an allowed request carries neither; a 429 carries both.",
    schema: integer,
  },
  'X-RateLimit-Remaining': {
    description: 'On a 429: 0, no request of this address is allowed in the current window.',
    schema: integer,
  },
  'X-RateLimit-Reset': {
    description:
      'On a 429: seconds until the window has surely reset (one window, the longest wait; the same as Retry-After).',
    schema: integer,
  },
  'Set-Cookie': {
    description:
      'With ?transport=cookie: the refresh token cookie (REFRESH_COOKIE_NAME, default `__Host-refresh`; HttpOnly; Secure; Path=/; SameSite per REFRESH_COOKIE_SAMESITE, default Lax), or its removal on logout and on a refused refresh.',
    schema: { type: 'string' },
  },
  Location: {
    description: 'Where a redirect (302) sends the browser.',
    required: true,
    schema: { type: 'string', format: 'uri' },
  },
} as const;

export type ResponseHeaderName = keyof typeof RESPONSE_HEADERS;

/** `headers` of an OpenAPI response object: references to the components above. */
export const headerRefs = (...names: ResponseHeaderName[]) =>
  Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${n}` }]));

export const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit'] as const satisfies ResponseHeaderName[];
