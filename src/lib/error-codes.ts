/**
 * Every `error_code` the API can answer with: the status it goes with and the default text
 * (`detail` when a throw gives none). ApiError takes only these keys, so a misspelt or new code
 * fails typecheck until it is added here, and the Error schema's enum in the OpenAPI document
 * is generated from this object. Codes follow docs/api.md "Errors".
 */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, message: 'Bad request' },
  INVALID_JSON: { status: 400, message: 'Request body is not valid JSON' },
  INVALID_CREDENTIALS: { status: 401, message: 'Invalid email or password' },
  INVALID_TOKEN: { status: 401, message: 'Authentication required' },
  TOKEN_EXPIRED: { status: 401, message: 'Token has expired' },
  SESSION_REVOKED: { status: 401, message: 'This session has ended' },
  INVALID_API_KEY: { status: 401, message: 'Service API key is missing or invalid' },
  MFA_REQUIRED: { status: 401, message: 'A second factor is required' },
  INVALID_MFA_CODE: { status: 401, message: 'The second-factor code is invalid' },
  PASSKEY_REJECTED: { status: 401, message: 'The passkey could not be verified' },
  FORBIDDEN: { status: 403, message: 'Forbidden' },
  ACCOUNT_SUSPENDED: { status: 403, message: 'This account is suspended' },
  EMAIL_NOT_VERIFIED: { status: 403, message: 'The email address is not verified' },
  CSRF_REJECTED: { status: 403, message: 'Cross-site request refused' },
  SIGN_UP_CLOSED: { status: 403, message: 'This service does not accept new sign-ups' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  CONFLICT: { status: 409, message: 'Conflict' },
  USER_EXISTS: { status: 409, message: 'An account with this email already exists' },
  ALREADY_MEMBER: { status: 409, message: 'Already a member of this organization' },
  SLUG_TAKEN: { status: 409, message: 'This slug is taken' },
  LAST_OWNER: {
    status: 409,
    message: 'The last owner of an organization cannot be removed or demoted',
  },
  LAST_SIGN_IN_METHOD: {
    status: 409,
    message: 'The last way to sign in to this account cannot be removed',
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large' },
  BATCH_TOO_LARGE: { status: 413, message: 'A metrics batch holds at most 1000 entries' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type must be application/json' },
  VALIDATION_ERROR: { status: 422, message: 'Request validation failed' },
  WEAK_PASSWORD: { status: 422, message: 'Password does not meet the policy' },
  INVALID_EMAIL: { status: 422, message: 'Email address is invalid' },
  TIMESTAMP_OUT_OF_RANGE: {
    status: 422,
    message: 'Timestamps may be at most 7 days old and 5 minutes ahead',
  },
  INVALID_WEBHOOK_URL: {
    status: 422,
    message:
      'A webhook URL must be https:// on a public address (no loopback, private, link-local or metadata address)',
  },
  ACCOUNT_LOCKED: { status: 423, message: 'Account locked' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  INTERNAL_ERROR: { status: 500, message: 'Internal server error' },
  DEPENDENCY_UNAVAILABLE: { status: 503, message: 'Service temporarily unavailable' },
  BREACHED_PASSWORD: {
    status: 422,
    message: 'This password appears in a known data breach: choose another one',
  },
  CAPTCHA_FAILED: { status: 403, message: 'The bot check failed: try again' },
  // The identity provider's OAuth endpoints answer these as RFC 6749 bodies: `error` is the
  // code without OAUTH_, lower-cased (routes/oauth decides the shape at the edge).
  OAUTH_INVALID_REQUEST: { status: 400, message: 'The request is missing or repeats a parameter' },
  OAUTH_INVALID_CLIENT: { status: 401, message: 'Client authentication failed' },
  OAUTH_INVALID_GRANT: { status: 400, message: 'The grant is invalid, expired or revoked' },
  OAUTH_UNAUTHORIZED_CLIENT: { status: 400, message: 'The client may not use this grant' },
  OAUTH_UNSUPPORTED_GRANT_TYPE: { status: 400, message: 'Unsupported grant type' },
  OAUTH_INVALID_SCOPE: { status: 400, message: 'The scope is invalid or not allowed' },
  OAUTH_INVALID_TARGET: { status: 400, message: 'The resource is invalid' },
  OAUTH_INVALID_CLIENT_METADATA: { status: 400, message: 'The client metadata is invalid' },
  OAUTH_INVALID_REDIRECT_URI: { status: 400, message: 'A redirect URI is invalid' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** The registry as a Markdown table, for the description of `error_code`. */
export const errorCodeTable = () =>
  [
    '| error_code | status | meaning |',
    '| --- | --- | --- |',
    ...ERROR_CODE_NAMES.map(
      (c) => `| ${c} | ${ERROR_CODES[c].status} | ${ERROR_CODES[c].message} |`,
    ),
  ].join('\n');
