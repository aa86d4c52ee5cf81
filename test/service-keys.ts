/** API keys the test worker is configured with (vitest.config.ts), one per calling service. */
export const TEST_SERVICE_KEYS = {
  billing: 'test-billing-key-0123456789abcdef0123456789',
  reports: 'test-reports-key-0123456789abcdef0123456789',
};
