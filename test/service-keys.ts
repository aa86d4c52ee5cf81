/**
 * API keys the test worker is configured with (vitest.config.ts), one per calling service.
 * `billing` holds every scope (the tests of what services may do use it); `reports` is a bare
 * string, the format before scopes, so it has the read-only default. The narrow ones are for the
 * scope matrix (test/service-scopes.test.ts): each holds the one scope its name says.
 */
export const TEST_SERVICE_KEYS = {
  billing: {
    key: 'test-billing-key-0123456789abcdef0123456789',
    scopes: [
      'tokens:validate',
      'users:read',
      'permissions:read',
      'users:create',
      'users:verify',
      'users:roles',
      'orgs:members',
      'mfa:reset',
      'analytics:write',
      'metrics:read',
    ],
  },
  reports: 'test-reports-key-0123456789abcdef0123456789',
  none: { key: 'test-none-key-0123456789abcdef01234567890', scopes: [] },
  creator: { key: 'test-creator-key-0123456789abcdef012345678', scopes: ['users:create'] },
  resetter: { key: 'test-resetter-key-0123456789abcdef01234567', scopes: ['mfa:reset'] },
  writer: { key: 'test-writer-key-0123456789abcdef0123456789', scopes: ['analytics:write'] },
  scraper: { key: 'test-scraper-key-0123456789abcdef012345678', scopes: ['metrics:read'] },
} as const;

export type TestService = keyof typeof TEST_SERVICE_KEYS;

/** The key a test service presents as X-API-Key. */
export const keyOf = (name: TestService): string => {
  const entry = TEST_SERVICE_KEYS[name];
  return typeof entry === 'string' ? entry : entry.key;
};
